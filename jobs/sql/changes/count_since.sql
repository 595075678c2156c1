{{- /* After a watermark (arguments: from, to): the everything rows and the distinct customers touched. */ -}}
SELECT count(*) FILTER (WHERE everything), count(DISTINCT customer_id)
FROM core_changes WHERE seq > ? AND seq <= ?
