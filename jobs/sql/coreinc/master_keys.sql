{{- /* The keys (.KeyCols) of master .Table to make again: those with a row in the delta (of raw table .Raw; .Loads lists the delta's loads as literals) and, with .RecTable (a master with customers, some of whose buckets changed), those whose current row's record is in a bucket whose assignments changed (master_dirty.sql). */ -}}
CREATE OR REPLACE TEMP TABLE core_mkeys AS
				SELECT DISTINCT {{.KeyCols}} FROM {{.Raw}} WHERE _load_id IN ({{.Loads}})
{{- if .RecTable}}
				UNION SELECT {{.KeyCols}} FROM {{.Table}} m
				WHERE hash(m._load_id || ':' || m._row) % {{.Buckets}} IN (SELECT bucket FROM core_dirty WHERE rec_table = '{{.RecTable}}')
{{- end}}
