{{- /* The newest event time of each of .Cols in the raw rows of the loaded files of .Table, per source. */ -}}
SELECT f.source{{range .Cols}}, max(r.{{.}}) AS {{.}}{{end}} FROM {{table .Table}} r JOIN load_files f ON f.load_id = r._load_id WHERE f.status = 'loaded' GROUP BY 1
