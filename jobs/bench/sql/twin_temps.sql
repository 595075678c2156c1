{{- /* The temporary tables the twins left, as one comma list. */ -}}
SELECT string_agg(table_name, ',') FROM duckdb_tables()
	WHERE temporary AND starts_with(table_name, 'bench_twin_')
