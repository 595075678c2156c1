{{- /* The customers whose channel_credit contributions a nightly recomputes: those of the orders core changed after
the watermark (.From, .To: both sides of a merge, every customer of a re-exported order) and those with an order between
the end of the base as-of day (.BaseEnd) and the end of the new one (.End), which the base did not count. */ -}}
SELECT customer_id FROM {{table "core_changes"}} WHERE seq > {{.From}} AND seq <= {{.To}} AND customer_id IS NOT NULL
UNION
SELECT customer_id FROM {{table "orders"}} WHERE order_ts >= {{.BaseEnd}} AND order_ts < {{.End}} AND customer_id IS NOT NULL
