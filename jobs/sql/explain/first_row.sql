{{- /* The first raw row (load id and row, as "load|row" zero-padded to sort) of each record key among .Keys (placeholders); .KeyExpr makes the key from the raw table .Raw's columns. */ -}}
SELECT k, min(_load_id || '|' || lpad(CAST(_row AS VARCHAR), 12, '0')) FROM (
	SELECT {{.KeyExpr}} AS k, _load_id, _row FROM {{table .Raw}}) x WHERE k IN ({{.Keys}}) GROUP BY k
