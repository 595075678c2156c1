{{- /* The records a user's key may name: a rec_key among .Keys (placeholders), or an order whose id is the key in any channel (last placeholder: "%:" + key). */ -}}
SELECT rec_table, rec_key, customer_id FROM {{table "identity_assignments"}}
WHERE rec_key IN ({{.Keys}}) OR (rec_table = 'order_lines' AND rec_key LIKE ?)
