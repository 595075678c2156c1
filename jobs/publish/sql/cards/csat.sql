{{- /* Average satisfaction of the tickets opened in [from, to) (arguments: from, to). */ -}}
SELECT avg(csat) FROM service_tickets WHERE opened_ts >= CAST(? AS TIMESTAMPTZ) AND opened_ts < CAST(? AS TIMESTAMPTZ)
