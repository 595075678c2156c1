{{- /* The order-line channels present: the whole evidence reads each channel's orders in a query of its own. */ -}}
SELECT DISTINCT channel FROM {{table "raw_order_lines"}} WHERE channel IS NOT NULL
