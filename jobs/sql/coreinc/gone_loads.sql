{{- /* Loads core was built from that are no longer loaded (unloaded or replaced): core is then rebuilt. */ -}}
SELECT count(*) FROM core_loads c
		WHERE NOT EXISTS (SELECT 1 FROM load_files f WHERE f.load_id = c.load_id AND f.status = 'loaded')
