{{- /* The orders up to the as-of day (one placeholder: its end) left out: anonymous, and not purchases (.Purchase). */ -}}
SELECT
	count(CASE WHEN customer_id IS NULL THEN 1 END),
	count(CASE WHEN customer_id IS NOT NULL AND NOT coalesce({{.Purchase}}, false) THEN 1 END)
FROM orders WHERE order_ts < CAST(? AS TIMESTAMPTZ)
