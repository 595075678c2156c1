{{- /* The touched orders of several exports, aggregated again from their kept export's lines into core_agg (read from the touched orders' loads, .Loads). */ -}}
INSERT INTO core_agg
				SELECT {{.Columns}}
				FROM (SELECT r.channel, r.order_id, {{.Aggregates}}, any_value(r._load_id) AS _load_id
					FROM raw_order_lines r JOIN order_versions v ON v.channel = r.channel AND v.order_id = r.order_id AND v.keep_load_id = r._load_id
					{{template "is_touched" .}} WHERE r._load_id IN ({{.Loads}})
					GROUP BY r.channel, r.order_id) o
				{{.CustomerJoin}}
