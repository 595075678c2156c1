{{- /* Finished runs started before the cutoff (argument: RFC 3339 time). */ -}}
SELECT count(*) FROM job_runs WHERE started < CAST(? AS TIMESTAMPTZ) AND status <> 'running'
