{{- /* Complaint tickets opened in [from, to) per 1,000 orders of the same time (arguments: from, to). */ -}}
SELECT 1000.0 * (SELECT count(*) FROM service_tickets WHERE lower(category) IN ('complaint', '投诉') AND opened_ts >= CAST($1 AS TIMESTAMPTZ) AND opened_ts < CAST($2 AS TIMESTAMPTZ))
	/ nullif((SELECT count(*) FROM orders WHERE order_ts >= CAST($1 AS TIMESTAMPTZ) AND order_ts < CAST($2 AS TIMESTAMPTZ)), 0)
