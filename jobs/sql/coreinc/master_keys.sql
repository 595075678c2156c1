{{- /* The keys (.KeyCols) of master .Table to make again: those with a row in the delta (of raw table .Raw) and, for a master with customers (.RecTable), those whose current row's record is in a bucket whose assignments changed (master_dirty.sql). */ -}}
CREATE OR REPLACE TEMP TABLE core_mkeys AS
				SELECT DISTINCT {{.KeyCols}} FROM {{.Raw}} WHERE _load_id IN (SELECT load_id FROM core_delta)
{{- if .RecTable}}
				UNION SELECT {{.KeyCols}} FROM {{.Table}} m
				WHERE hash(m._load_id || ':' || m._row) % {{.Buckets}} IN (SELECT bucket FROM core_dirty WHERE rec_table = '{{.RecTable}}')
{{- end}}
