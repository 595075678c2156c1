{{- /* The set of loaded files in a fingerprint: their count, the XOR of their load ids' hashes (.LoadIDHash, the dialect's Fingerprint of load_id: a file unloaded and another loaded changes it) and the newest load time. */ -}}
SELECT CAST(count(*) AS VARCHAR), CAST(bit_xor({{.LoadIDHash}}) AS VARCHAR), CAST(max(loaded_at) AS VARCHAR)
		FROM {{table "load_files"}} WHERE status = 'loaded'
