{{- /*
The orders of [.From, .To) with their region (as in the order facts), as a
FROM item "ro", for the region-filtered queries over periods the facts do
not hold (the 12-month mix, the same period last year); without .Region,
the orders table. The region of a province is looked up once per distinct
province (see order_facts.sql).
*/ -}}
{{- if .Region -}}
(SELECT o.order_ts, o.channel, o.customer_id, o.units, o.refund_amount, o.net_amount, o.status, {{template "order_region"}} AS region
		FROM orders o LEFT JOIN stores s ON s.store_id = o.store_id LEFT JOIN customers c ON c.customer_id = o.customer_id
		LEFT JOIN (
	{{- if .Provinces -}}
		SELECT l.channel, l.order_id, r.region
			FROM (SELECT channel, order_id, max(province) AS province FROM kept_order_lines WHERE order_ts >= {{.From}} AND order_ts < {{.To}} AND province IS NOT NULL GROUP BY 1, 2) l
			JOIN (SELECT p.province, {{.RegionOfAlias}} AS region
				FROM (SELECT DISTINCT lower(province) AS province FROM kept_order_lines WHERE order_ts >= {{.From}} AND order_ts < {{.To}} AND province IS NOT NULL) p
				JOIN ({{template "province_map" .}}) pm ON starts_with(p.province, pm.alias) GROUP BY 1) r ON r.province = lower(l.province)
	{{- else -}}
		SELECT CAST(NULL AS VARCHAR) AS channel, CAST(NULL AS VARCHAR) AS order_id, CAST(NULL AS VARCHAR) AS region FROM orders WHERE FALSE
	{{- end -}}
		) pr ON pr.channel = o.channel AND pr.order_id = o.order_id
		WHERE o.order_ts >= {{.From}} AND o.order_ts < {{.To}}) ro
{{- else -}}
orders
{{- end -}}
