{{- /* The merges and splits involving a customer (two placeholders: the customer id twice), oldest first: by the start of their run when job_runs exists (.Runs), by run id otherwise. */ -}}
SELECT c.run_id, c.change, c.surviving_id, c.absorbed_id, c.identifier FROM {{table "identity_changes"}} c
{{- if .Runs}} LEFT JOIN (SELECT run_id, min(started) AS started FROM {{table "job_runs"}} GROUP BY run_id) r ON r.run_id = c.run_id{{end}}
WHERE c.surviving_id = ? OR c.absorbed_id = ? ORDER BY {{if .Runs}}r.started, {{end}}c.run_id, c.change, c.absorbed_id
