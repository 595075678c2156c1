{{- /* return_scope before the first build that has return_ties: no order. */ -}}
SELECT channel, order_id FROM {{table "raw_order_lines"}} WHERE FALSE
