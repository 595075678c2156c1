{{- /* The load id of each row of raw table .Raw that core keeps: the newest export of each key (.Key). */ -}}
SELECT r._load_id FROM {{.Raw}} r {{template "load_order" .}}
		QUALIFY row_number() OVER (PARTITION BY {{.Key}} ORDER BY {{template "newest_first" .}}) = 1