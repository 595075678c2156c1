{{- /* The last successful run of a job and partition with the same input fingerprint, unless a later run of it succeeded or failed with other inputs: arguments job, partition, fingerprint, job, partition. */ -}}
SELECT run_id FROM job_runs WHERE job = ? AND coalesce("partition",'') = ? AND status IN ('succeeded','partial') AND input_fingerprint = ?
				AND started >= coalesce((SELECT max(started) FROM job_runs WHERE job = ? AND coalesce("partition",'') = ? AND status IN ('succeeded','partial','failed')), started)
				ORDER BY started DESC LIMIT 1
