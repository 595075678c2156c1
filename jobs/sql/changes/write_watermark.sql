{{- /* A consumer's watermark (arguments: job, seq, config hash, as-of date or NULL). */ -}}
INSERT INTO model_watermarks VALUES (?, ?, ?, CAST(? AS DATE))
