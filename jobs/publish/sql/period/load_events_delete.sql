{{- /* Forget what publish_load_events recorded of the loads .IDs in .Table (recorded again under their current loaded_at). */ -}}
DELETE FROM publish_load_events WHERE raw_table = {{.TableName}} AND load_id IN ({{range $i, $s := .IDs}}{{if $i}}, {{end}}{{$s}}{{end}})
