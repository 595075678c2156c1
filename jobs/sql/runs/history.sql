{{- /* The last runs, newest first: arguments job, job ('' for every job), limit. Columns as queryRuns reads them. */ -}}
SELECT run_id, coalesce(chain_id,''), job, coalesce("partition",''), started, finished, status,
		coalesce(rows_in,0), coalesce(rows_out,0), coalesce(rows_quarantined,0), coalesce(message,''), coalesce(error,''), coalesce(attempt,1)
		FROM job_runs WHERE (? = '' OR job = ?) ORDER BY started DESC, job LIMIT ?
