{{/* After a full stitch the graph covers every loaded load. */}}
INSERT INTO {{table "identity_graph_loads"}} SELECT DISTINCT load_id FROM {{table "load_files"}} WHERE status = 'loaded'
