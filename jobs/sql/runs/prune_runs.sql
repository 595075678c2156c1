DELETE FROM job_runs WHERE started < CAST(? AS TIMESTAMPTZ) AND status <> 'running'
