{{- /* The columns of orders for INSERT (BigQuery requires the list). A piece (orderColumnList). */ -}}
(channel, order_id, order_ts, customer_id, store_id, associate_id, status, lines, units,
	gross_amount, discount, paid_amount, refund_amount, net_amount, _load_id)
