{{- /* After a watermark (arguments: from, to): the order times touched, taken to months in Go. */ -}}
SELECT DISTINCT order_ts FROM core_changes WHERE seq > ? AND seq <= ? AND order_ts IS NOT NULL
