{{- /* The identity changes a failed attempt of this run wrote (one placeholder: the run id), removed before they are written again. */ -}}
DELETE FROM identity_changes WHERE run_id = ?
