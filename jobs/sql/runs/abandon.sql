{{- /* A run whose process is gone: arguments run_id, job, attempt. */ -}}
UPDATE job_runs SET status = 'abandoned', finished = now(), error = 'process ended while the job was running (crash or kill)' WHERE run_id = ? AND job = ? AND attempt = ?
