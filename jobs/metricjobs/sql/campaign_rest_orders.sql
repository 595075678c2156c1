{{- /* campaign_orders.sql for the contacts of the campaigns recomputed (.Copied: the ids of those kept; empty: none). campaign_effect's orders (the columns of orders.sql): only those of contacted customers that can fall in a
conversion window. A customer's windows start at their contacts (the campaign's start date when a contact is undated)
last the window (.Days is one day more), so orders from a day before their first contact to .Days days after their last are a
superset of what the model counts (a day of margin for the zone's clock changes); a customer with an undated contact
keeps every order. */ -}}
WITH c AS (
	SELECT customer_id, epoch_us(min(contacted_ts)) - 86400000000 AS lo, epoch_us(max(contacted_ts)) + {{.Days}} * 86400000000 AS hi,
		count(*) - count(contacted_ts) AS undated
	FROM {{table "campaign_contacts"}} WHERE customer_id IS NOT NULL
		{{- if .Copied}} AND (campaign_id IS NULL OR campaign_id NOT IN ({{.Copied}})){{end}}
	GROUP BY customer_id
)
SELECT o.channel, o.order_ts, o.customer_id, o.store_id, {{.Status}} AS status, o.net_amount
FROM {{table "orders"}} o JOIN c ON c.customer_id = o.customer_id
WHERE o.order_ts < {{.End}} AND (c.undated > 0 OR (epoch_us(o.order_ts) >= c.lo AND epoch_us(o.order_ts) < c.hi))
