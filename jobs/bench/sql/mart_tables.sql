{{- /* The marts: every base table of the main schema with an as_of column, as one comma list. */ -}}
SELECT string_agg(DISTINCT c.table_name, ',') FROM information_schema.columns c
	JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
	WHERE c.column_name = 'as_of' AND t.table_type = 'BASE TABLE' AND c.table_schema = 'main'
