{{- /* The order lines as the order_lines view keeps them, without its join to the customer assignments. */ -}}
SELECT channel, order_id, sku, paid_amount - coalesce(refund_amount, 0) AS net_amount FROM kept_order_lines
