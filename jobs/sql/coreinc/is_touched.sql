{{- /* A semi join of raw lines or orders r with the touched orders (included by other files). */ -}}
SEMI JOIN core_touched t ON t.channel IS NOT DISTINCT FROM r.channel AND t.order_id IS NOT DISTINCT FROM r.order_id
