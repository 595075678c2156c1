{{/* Loads the identity graph covers that are no longer loaded as the graph saw them: unloaded, replaced, or loaded again from the same file (crmkit reload keeps the load id, which hashes the content; the manifest's loaded_at is new and the rows may differ). */}}
SELECT count(*) FROM {{table "identity_graph_loads"}} g
WHERE NOT EXISTS (SELECT 1 FROM (SELECT load_id, max(loaded_at) AS loaded_at FROM {{table "load_files"}} WHERE status = 'loaded' GROUP BY load_id) f
	WHERE f.load_id = g.load_id AND f.loaded_at IS NOT DISTINCT FROM g.loaded_at)
