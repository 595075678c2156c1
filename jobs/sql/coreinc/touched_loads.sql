{{- /* The loads that hold the raw lines of the touched orders. With .Scan, read from the lines; else the delta's loads and the load orders names for each touched order before (core_rows): every line of an order of one export, neither in order_versions nor tied, is in that load (touched_spread.sql decides). */ -}}
CREATE OR REPLACE TEMP TABLE core_touched_loads AS
{{- if .Scan}}
				SELECT DISTINCT r._load_id AS load_id FROM raw_order_lines r {{template "is_touched" .}}
{{- else}}
				SELECT load_id FROM core_delta UNION SELECT _load_id FROM core_rows WHERE _load_id IS NOT NULL
{{- end}}
