{{- /* The order lines from the order_lines relation itself (no kept_order_lines view). */ -}}
SELECT channel, order_id, sku, net_amount FROM order_lines
