{{- /* A consumer's watermark (argument: the job). */ -}}
SELECT seq, config_hash, base_as_of FROM model_watermarks WHERE job = ?
