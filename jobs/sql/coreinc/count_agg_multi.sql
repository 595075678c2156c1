{{- /* Touched orders with lines from several loads (versions_touched.sql, drop_multi.sql and aggregate_kept.sql run only when there are any). */ -}}
SELECT count(*) FROM core_agg WHERE _load_id IS NULL
