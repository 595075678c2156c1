{{- /* One utf-8 csv source read into a persistent table, as the real ingest writes raw tables; .I numbers the source, .Path is its path with quotes doubled. */ -}}
CREATE OR REPLACE TABLE bench_twin_csv_{{.I}} AS SELECT * FROM read_csv('{{.Path}}', header = true, union_by_name = true, ignore_errors = true)
