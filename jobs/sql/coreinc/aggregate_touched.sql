{{- /* As ordersSQL (core.go: .ColumnList, .Columns, .Aggregates, .CustomerJoin), over the lines of the touched orders, read from their loads only (.Loads, literals of core_touched_loads); an order with lines from several loads gets a NULL _load_id and is aggregated again from its kept export (aggregate_kept.sql). */ -}}
INSERT INTO orders {{.ColumnList}}
				SELECT {{.Columns}}
				FROM (SELECT r.channel, r.order_id, {{.Aggregates}}, CASE WHEN min(r._load_id) = max(r._load_id) THEN min(r._load_id) END AS _load_id
					FROM raw_order_lines r {{template "is_touched" .}} WHERE r._load_id IN ({{.Loads}}) GROUP BY r.channel, r.order_id) o
				{{.CustomerJoin}}
