{{- /* The loaded files of .Sources whose raw rows in .Table publish_load_events has not recorded for their loaded_at. */ -}}
SELECT DISTINCT f.load_id FROM load_files f
WHERE f.status = 'loaded' AND f.source IN ({{range $i, $s := .Sources}}{{if $i}}, {{end}}{{$s}}{{end}})
	AND NOT EXISTS (SELECT 1 FROM publish_load_events e WHERE e.load_id = f.load_id AND e.raw_table = {{.TableName}} AND e.loaded_at IS NOT DISTINCT FROM f.loaded_at)
ORDER BY 1
