{{- /* Drops the contributions of the customers recomputed (.Touched renders credit_touched.sql), or every
contribution when .All. */ -}}
DELETE FROM {{table "channel_credit_contrib"}} WHERE {{if .All}}true{{else}}customer_id IN ({{.Touched}}){{end}}
