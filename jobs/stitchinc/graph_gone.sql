{{/* Loads the identity graph covers that are no longer loaded (unloaded, or replaced by a new load of the same file). */}}
SELECT count(*) FROM {{table "identity_graph_loads"}} g
WHERE NOT EXISTS (SELECT 1 FROM {{table "load_files"}} f WHERE f.load_id = g.load_id AND f.status = 'loaded')
