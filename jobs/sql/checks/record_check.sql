{{- /* One evaluated check: run_id, source, check, value, threshold, ok, detail. */ -}}
INSERT INTO source_checks (checked_at, run_id, source, "check", value, threshold, ok, detail) VALUES (now(), ?, ?, ?, ?, ?, ?, ?)
