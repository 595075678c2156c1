{{- /* The distinct customers touched after the watermark .From up to .To (column customer_id), for IN or a join. */ -}}
SELECT DISTINCT customer_id FROM core_changes WHERE seq > {{.From}} AND seq <= {{.To}} AND customer_id IS NOT NULL
