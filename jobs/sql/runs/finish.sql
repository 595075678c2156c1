{{- /* A job run ends: its outcome, then the run key (run_id, job, attempt). */ -}}
UPDATE job_runs SET finished = ?, status = ?, rows_in = ?, rows_out = ?, rows_quarantined = ?, message = ?, error = ?, input_fingerprint = ?
		WHERE run_id = ? AND job = ? AND attempt = ?
