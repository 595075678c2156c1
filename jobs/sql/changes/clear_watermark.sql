{{- /* Removes a consumer's watermark (argument: the job) before it is written again. */ -}}
DELETE FROM model_watermarks WHERE job = ?
