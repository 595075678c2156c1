{{- /* The order columns aggregated from its lines (r). A piece: rendered once into orderAggregates. */ -}}
min(r.order_ts) AS order_ts, any_value(r.store_id) AS store_id, any_value(r.associate_id) AS associate_id,
	any_value(lower(coalesce(r.status, 'paid'))) AS status, count(*) AS lines, CAST(sum(r.qty) AS BIGINT) AS units,
	sum(r.qty * r.unit_price) AS gross_amount, sum(coalesce(r.discount, 0)) AS discount, sum(r.paid_amount) AS paid_amount,
	sum(coalesce(r.refund_amount, 0)) AS refund_amount, sum(r.paid_amount - coalesce(r.refund_amount, 0)) AS net_amount
