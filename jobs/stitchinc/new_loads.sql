{{/* The delta: loaded loads the identity graph does not cover yet. */}}
CREATE OR REPLACE TEMP TABLE stitch_new_loads AS
SELECT DISTINCT load_id FROM {{table "load_files"}}
WHERE status = 'loaded' AND load_id NOT IN (SELECT load_id FROM {{table "identity_graph_loads"}})
