{{- /* The stitch assignment of order o. A piece (orderCustomerJoin). */ -}}
LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = o.channel || ':' || o.order_id
