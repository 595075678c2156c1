{{- /* The most recent run of every job. Columns as queryRuns reads them. */ -}}
SELECT run_id, coalesce(chain_id,''), job, coalesce("partition",''), started, finished, status,
		coalesce(rows_in,0), coalesce(rows_out,0), coalesce(rows_quarantined,0), coalesce(message,''), coalesce(error,''), coalesce(attempt,1)
		FROM job_runs QUALIFY row_number() OVER (PARTITION BY job ORDER BY started DESC, attempt DESC) = 1 ORDER BY job
