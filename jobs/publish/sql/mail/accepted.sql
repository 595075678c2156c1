{{- /* The messages the delivery log shows accepted for an as-of date (arguments: the day, the accepted status). */ -}}
SELECT DISTINCT delivery, recipient FROM mail_deliveries WHERE as_of = ? AND status = ?
