{{- /* The delta: loaded loads core does not cover yet. */ -}}
CREATE OR REPLACE TEMP TABLE core_delta AS SELECT DISTINCT load_id FROM load_files
			WHERE status = 'loaded' AND load_id NOT IN (SELECT load_id FROM core_loads)
