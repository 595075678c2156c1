{{- /* Loads core was built from that are no longer loaded as core saw them: unloaded, replaced, or loaded again from the same file (crmkit reload keeps the load id, which hashes the content, but the rows may differ under a fixed config; the manifest's loaded_at is new). Core is then rebuilt. */ -}}
SELECT count(*) FROM core_loads c
		WHERE NOT EXISTS (SELECT 1 FROM (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY load_id) f
			WHERE f.load_id = c.load_id AND f.loaded_at IS NOT DISTINCT FROM c.loaded_at)
