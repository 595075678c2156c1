{{/* After a full stitch the graph covers every loaded load, as loaded now (its manifest's latest loaded_at). */}}
INSERT INTO {{table "identity_graph_loads"}} SELECT load_id, max(loaded_at) AS loaded_at FROM {{table "load_files"}} WHERE status = 'loaded' GROUP BY load_id
