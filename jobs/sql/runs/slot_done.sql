{{- /* Whether a schedule slot's chain ran to success: some job of it succeeded (or was skipped) and none failed, was blocked or abandoned or still runs (placeholders: the chain id twice). */ -}}
SELECT count(*) FROM job_runs WHERE chain_id = ? AND status IN ('succeeded','partial','skipped')
		AND NOT EXISTS (SELECT 1 FROM job_runs WHERE chain_id = ? AND status IN ('failed','blocked','abandoned','running'))
