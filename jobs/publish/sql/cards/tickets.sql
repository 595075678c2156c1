{{- /* Tickets opened in [from, to) (arguments: from, to). */ -}}
SELECT count(*) FROM service_tickets WHERE opened_ts >= CAST(? AS TIMESTAMPTZ) AND opened_ts < CAST(? AS TIMESTAMPTZ)
