{{- /* The last run of a job that did its work (argument: job). */ -}}
SELECT run_id, coalesce("partition", ''), coalesce(attempt, 1) FROM job_runs
		WHERE job = ? AND status IN ('succeeded', 'partial') ORDER BY started DESC, attempt DESC LIMIT 1
