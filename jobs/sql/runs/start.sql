{{- /* A job run starts: arguments run_id, chain_id, job, partition, started, attempt, host, pid. */ -}}
INSERT INTO job_runs (run_id, chain_id, job, "partition", started, status, attempt, host, pid)
		VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?)
