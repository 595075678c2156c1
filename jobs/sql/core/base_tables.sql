{{- /* Whether a name (one placeholder) is a table where a view now goes: a DuckDB warehouse made by an older version. */ -}}
SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_type = 'BASE TABLE'
