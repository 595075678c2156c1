{{- /* One outcome of one message in the delivery log (arguments in column order). */ -}}
INSERT INTO mail_deliveries (run_id, "partition", as_of, delivery, recipient, message_id, status, attempts, error, logged_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
