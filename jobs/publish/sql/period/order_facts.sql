{{- /*
publish_order_facts (made with warehouse.CreateTableAs), the order facts
the period figures read: the orders of [.From, .To) (the comparison period
through the reported one) with their region, the units and the ERP cost of
each order. Only these two months are materialised: writing every order
(5M rows at 1M customers) cost more than all the queries on it; the
figures over the whole history (new customers, the 12-month mix) read
orders directly.

Units, cost and the shipping province read the kept raw lines
(kept_order_lines: the same latest-export rule as the order_lines view, so
units equal orders.units) but without its customer join, which they do not
need (it is the expensive part at 10M lines); orders.units is a HUGEINT,
slow to read. The lines of an order are no older than the order (its
order_ts is the first line's), so lines before .From are skipped.

The region of a province is looked up once per distinct province, not once
per order: starts_with is no equality, so its join is a nested loop over
both sides (at 1M customers, two months of orders times 64 aliases was most
of the publish job's time).
*/ -}}
WITH o AS (SELECT channel, order_id, order_ts, customer_id, store_id, paid_amount, refund_amount, net_amount, status
		FROM orders WHERE order_ts >= {{.From}} AND order_ts < {{.To}}),
	cost AS (SELECT l.channel, l.order_id, CAST(sum(l.qty) AS BIGINT) AS units, sum(l.qty * p.unit_cost) AS cost,
			count(CASE WHEN p.unit_cost IS NULL THEN 1 END) AS lines_without_cost, max(l.province) AS province
		FROM kept_order_lines l JOIN o ON o.channel = l.channel AND o.order_id = l.order_id
		LEFT JOIN products p ON p.sku = l.sku
		WHERE l.order_ts >= {{.From}}
		GROUP BY 1, 2),
	pr AS (
	{{- if .Provinces -}}
		SELECT p.province, {{.RegionOfAlias}} AS region
		FROM (SELECT DISTINCT lower(province) AS province FROM cost WHERE province IS NOT NULL) p
		JOIN ({{template "province_map" .}}) pm ON starts_with(p.province, pm.alias) GROUP BY 1
	{{- else -}}
		SELECT CAST(NULL AS VARCHAR) AS province, CAST(NULL AS VARCHAR) AS region FROM cost WHERE FALSE
	{{- end -}}
	)
SELECT o.*, {{template "order_region"}} AS region, s.store_name, cost.units, cost.cost, cost.lines_without_cost
FROM o LEFT JOIN stores s ON s.store_id = o.store_id LEFT JOIN customers c ON c.customer_id = o.customer_id
	LEFT JOIN cost ON cost.channel = o.channel AND cost.order_id = o.order_id
	LEFT JOIN pr ON pr.province = lower(cost.province)
