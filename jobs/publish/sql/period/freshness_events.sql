{{- /* The newest event time of each of .Cols in the raw rows of one source's loaded files (argument: the source); .Table is its raw table. */ -}}
SELECT {{range $i, $c := .Cols}}{{if $i}}, {{end}}max(r.{{$c}}){{end}} FROM {{table .Table}} r JOIN load_files f ON f.load_id = r._load_id WHERE f.status = 'loaded' AND f.source = ?
