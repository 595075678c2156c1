{{- /* The touched orders into temporary table core_agg (the columns of orders in their order), as ordersSQL (core.go: .Columns, .Aggregates, .CustomerJoin) over the lines of the touched orders, read from their loads only (.Loads, literals of core_touched_loads); an order with lines from several loads gets a NULL _load_id and is aggregated again from its kept export (aggregate_kept.sql). core_agg goes into orders at the end (insert_agg.sql). */ -}}
CREATE OR REPLACE TEMP TABLE core_agg AS
				SELECT {{.Columns}}
				FROM (SELECT r.channel, r.order_id, {{.Aggregates}}, CASE WHEN min(r._load_id) = max(r._load_id) THEN min(r._load_id) END AS _load_id
					FROM raw_order_lines r {{template "is_touched" .}} WHERE r._load_id IN ({{.Loads}}) GROUP BY r.channel, r.order_id) o
				{{.CustomerJoin}}
