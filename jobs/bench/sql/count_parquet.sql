{{- /* The rows of a parquet file; .Path is its path as an SQL literal. */ -}}
SELECT count(*) FROM read_parquet({{.Path}})
