{{- /* Identifiers refused as junk, the most used first. */ -}}
SELECT * FROM blocked_identifiers ORDER BY records DESC
