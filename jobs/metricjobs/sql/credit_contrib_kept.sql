{{- /* The sums per period, store and associate of the contributions kept: every customer's but those recomputed
(.Touched renders credit_touched.sql). */ -}}
SELECT period, store_id, associate_id, CAST(sum(recruited) AS BIGINT) AS recruited, CAST(sum(buyers) AS BIGINT) AS buyers,
	CAST(sum(orders) AS BIGINT) AS orders, sum(revenue) AS revenue
FROM {{table "channel_credit_contrib"}}
WHERE customer_id NOT IN ({{.Touched}})
GROUP BY period, store_id, associate_id
