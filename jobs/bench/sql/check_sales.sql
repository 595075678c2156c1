{{- /* The sales twin against the sales mart of the newest as-of date, row by row (true when every row agrees). */ -}}
WITH m AS (SELECT * FROM sales WHERE as_of = (SELECT max(as_of) FROM sales)),
	j AS (SELECT CASE WHEN t.period IS NULL THEN m.dimension = 'total' AND m.units = 0 AND m.orders = 0 AND m.refunded_orders = 0
				AND m.missing_cost_lines = 0 AND m.net_sales = 0 AND m.refund_amount = 0
			WHEN m.period IS NULL THEN false
			ELSE m.label = t.label AND m.units = t.units AND m.orders = t.orders AND m.customers = t.customers
				AND m.refunded_orders = t.refunded_orders AND m.missing_cost_lines = t.missing_cost_lines AND m.anonymous_orders = t.anonymous_orders
				AND coalesce(abs(m.net_sales - t.net_sales) <= 1e-6 * abs(m.net_sales) + 0.01, m.net_sales IS NULL AND t.net_sales IS NULL)
				AND coalesce(abs(m.costed_net_sales - t.costed_net_sales) <= 1e-6 * abs(m.costed_net_sales) + 0.01,
					m.costed_net_sales IS NULL AND t.costed_net_sales IS NULL)
				AND coalesce(abs(m.cost - t.cost) <= 1e-6 * abs(m.cost) + 0.01, m.cost IS NULL AND t.cost IS NULL)
				AND coalesce(abs(m.gross_margin - t.gross_margin) <= 1e-6 * abs(m.gross_margin) + 0.01, m.gross_margin IS NULL AND t.gross_margin IS NULL)
				AND coalesce(abs(m.refund_amount - t.refund_amount) <= 1e-6 * abs(m.refund_amount) + 0.01, m.refund_amount IS NULL AND t.refund_amount IS NULL)
				AND coalesce(abs(m.avg_order_value - t.avg_order_value) <= 1e-6 * abs(m.avg_order_value) + 0.01,
					m.avg_order_value IS NULL AND t.avg_order_value IS NULL)
				AND (abs(m.costed_net_sales) < 1 OR coalesce(abs(m.margin_rate - t.margin_rate) <= 1e-6, m.margin_rate IS NULL AND t.margin_rate IS NULL))
			END AS ok
		FROM m FULL JOIN bench_twin_sales t ON t.period = m.period AND t.dimension = m.dimension AND t.key = m.key)
	SELECT count(*) > 0 AND count(*) FILTER (WHERE ok IS NOT TRUE) = 0 FROM j
