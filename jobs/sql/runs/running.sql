{{- /* Runs recorded as running, with the process that runs them. */ -}}
SELECT run_id, job, coalesce(attempt,1), coalesce(pid,0), coalesce(host,'') FROM job_runs WHERE status = 'running'
