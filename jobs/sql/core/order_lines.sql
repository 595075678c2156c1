CREATE OR REPLACE VIEW order_lines AS
	SELECT r.channel, r.order_id, r.store_id, r.associate_id, r.order_ts, lower(coalesce(r.status, 'paid')) AS status, r.sku, r.qty, r.unit_price,
		coalesce(r.discount, 0) AS discount, r.paid_amount, coalesce(r.refund_amount, 0) AS refund_amount,
		r.paid_amount - coalesce(r.refund_amount, 0) AS net_amount, a.customer_id, r._load_id, r._row
	FROM kept_order_lines r
	LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = r.channel || ':' || r.order_id
