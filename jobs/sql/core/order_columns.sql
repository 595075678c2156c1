{{- /* The columns of orders, from the aggregate o and the assignment a. A piece (orderColumns). */ -}}
o.channel, o.order_id, o.order_ts, a.customer_id, o.store_id, o.associate_id, o.status, o.lines, o.units,
	o.gross_amount, o.discount, o.paid_amount, o.refund_amount, o.net_amount, o._load_id
