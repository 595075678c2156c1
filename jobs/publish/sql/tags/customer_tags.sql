{{- /*
One row of tags per stitched customer as of a date, from the golden record,
the orders and the marts; a missing mart (.RFM, .Lifecycle, .CLV false)
leaves its tags NULL. Arguments: $1 the as-of date (DATE), $2 the exclusive
end timestamp. Rows are ordered by customer_id when .Ordered (for files;
sorting a million wide rows is a good part of the query).

.LastDays is the dialect's days from o.last_at to e.end_at, .LastChannel its
channel of the newest order. With .OrderState the per-customer order figures
are customer_order_state's (kept by the customer_state job; orderstate.go
says when they equal the aggregate over the orders before $2). With .WallClock (the dialect's
SlowZonedDayDiff: date_diff on TIMESTAMPTZ goes through ICU row by row,
seconds at a million customers) both are the wall-clock TIMESTAMPs of the
session time zone, which count the same day boundaries.

aipl_stage is the stage word the scorecards show (aware, interested,
purchased, loyal). .Want names the columns to return (customer_id always): the marts, orders
and windows no wanted column reads are not joined. Every column is wanted
unless the caller narrows it (segment sizes without files read only the
columns the definitions name).
*/ -}}
SELECT c.customer_id
	{{- if .Want "rfm_tier"}}, r.tier AS rfm_tier{{end}}
	{{- if .Want "aipl_stage"}}, l.aipl_stage{{end}}
	{{- if .Want "pyramid_stage"}}, l.pyramid_stage{{end}}
	{{- if .Want "clv_decile"}}, v.clv_decile{{end}}
	{{- if .Want "clv"}}, v.clv{{end}}
	{{- if .Want "region"}}, c.region{{end}}
	{{- if .Want "first_channel"}}, c.first_channel{{end}}
	{{- if .Want "last_channel"}}, o.last_channel{{end}}
	{{- if .Want "last_purchase_days"}}, CAST({{.LastDays}} AS BIGINT) AS last_purchase_days{{end}}
	{{- if .Want "orders"}}, CAST(o.orders AS BIGINT) AS orders{{end}}
	{{- if .Want "net_sales"}}, o.net_sales{{end}}
	{{- if .Want "social_engaged"}}, coalesce(si.engaged, FALSE) AS social_engaged{{end}}
	{{- if .Want "contacted_90d"}}, coalesce(cc.contacted, FALSE) AS contacted_90d{{end}}
	{{- if .Want "phone"}}, c.phone{{end}}
	{{- if .Want "email"}}, c.email{{end}}
	{{- if .Want "name"}}, c.name{{end}}
FROM customers c
{{- if .Want "last_purchase_days"}}
CROSS JOIN (SELECT {{if .WallClock}}CAST(CAST($2 AS TIMESTAMPTZ) AS TIMESTAMP){{else}}CAST($2 AS TIMESTAMPTZ){{end}} AS end_at) e
{{- end}}
{{- if .WantOrders}}
LEFT JOIN
{{- if .OrderState}} (SELECT customer_id, orders, net_sales,
		{{if .WallClock}}CAST(last_order_ts AS TIMESTAMP){{else}}last_order_ts{{end}} AS last_at, last_channel FROM customer_order_state)
{{- else}} (SELECT customer_id, count(*) AS orders, sum(net_amount) AS net_sales,
		{{if .WallClock}}CAST(max(order_ts) AS TIMESTAMP){{else}}max(order_ts){{end}} AS last_at, {{.LastChannel}} AS last_channel
	FROM orders WHERE customer_id IS NOT NULL AND order_ts < CAST($2 AS TIMESTAMPTZ) GROUP BY 1){{end}} o ON o.customer_id = c.customer_id
{{- end}}
{{- if .Want "rfm_tier"}}
LEFT JOIN
{{- if .RFM}} (SELECT customer_id, tier FROM rfm WHERE as_of = (SELECT max(as_of) FROM rfm WHERE as_of <= $1))
{{- else}} (SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS VARCHAR) AS tier WHERE FALSE){{end}} r ON r.customer_id = c.customer_id
{{- end}}
{{- if or (.Want "aipl_stage") (.Want "pyramid_stage")}}
LEFT JOIN
{{- if .Lifecycle}} (SELECT customer_id, aipl_stage, pyramid_stage FROM lifecycle_stage WHERE as_of = (SELECT max(as_of) FROM lifecycle_stage WHERE as_of <= $1))
{{- else}} (SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS VARCHAR) AS aipl_stage, CAST(NULL AS VARCHAR) AS pyramid_stage WHERE FALSE){{end}} l ON l.customer_id = c.customer_id
{{- end}}
{{- if or (.Want "clv_decile") (.Want "clv")}}
LEFT JOIN
{{- if .CLV}} (SELECT customer_id, CAST(clv_decile AS BIGINT) AS clv_decile, clv FROM customer_clv WHERE as_of = (SELECT max(as_of) FROM customer_clv WHERE as_of <= $1))
{{- else}} (SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS BIGINT) AS clv_decile, CAST(NULL AS DOUBLE) AS clv WHERE FALSE){{end}} v ON v.customer_id = c.customer_id
{{- end}}
{{- if .Want "social_engaged"}}
LEFT JOIN (SELECT DISTINCT customer_id, TRUE AS engaged FROM social_interactions WHERE customer_id IS NOT NULL
	AND ts >= CAST($2 AS TIMESTAMPTZ) - INTERVAL 90 DAY AND ts < CAST($2 AS TIMESTAMPTZ)) si ON si.customer_id = c.customer_id
{{- end}}
{{- if .Want "contacted_90d"}}
LEFT JOIN (SELECT DISTINCT customer_id, TRUE AS contacted FROM campaign_contacts WHERE customer_id IS NOT NULL
	AND contacted_ts >= CAST($2 AS TIMESTAMPTZ) - INTERVAL 90 DAY AND contacted_ts < CAST($2 AS TIMESTAMPTZ)) cc ON cc.customer_id = c.customer_id
{{- end}}
{{- if .Ordered}}
ORDER BY c.customer_id{{end}}
