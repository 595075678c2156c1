{{- /* The last finished status of a job (argument: job). */ -}}
SELECT status FROM job_runs WHERE job = ? AND status <> 'running' ORDER BY started DESC LIMIT 1
