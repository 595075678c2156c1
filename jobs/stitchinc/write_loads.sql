{{/* The graph now covers the delta, as loaded now (its manifest's latest loaded_at). */}}
INSERT INTO {{table "identity_graph_loads"}}
SELECT load_id, max(loaded_at) AS loaded_at FROM {{table "load_files"}}
WHERE status = 'loaded' AND load_id IN (SELECT load_id FROM stitch_new_loads) GROUP BY load_id
