{{- /* The touched orders of several exports leave core_agg; aggregate_kept.sql puts them back from their kept export. */ -}}
DELETE FROM core_agg WHERE _load_id IS NULL
