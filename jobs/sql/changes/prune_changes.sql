{{- /* The rows no consumer needs: at or below the lowest watermark, and below the newest everything row. */ -}}
DELETE FROM core_changes WHERE seq <= (SELECT min(seq) FROM model_watermarks)
	OR seq < (SELECT max(seq) FROM core_changes WHERE everything)
