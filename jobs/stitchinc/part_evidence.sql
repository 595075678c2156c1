{{- /* The evidence records of one table (.Table, a literal) listed in stitch_records, from identity_evidence or (.Delta) from stitch_delta, in the columns Stitch reads (rec_table is added in Go). In no particular order: Stitch breaks every tie by rec_key, not by the order of the rows. */ -}}
SELECT e.* EXCLUDE (rec_table) FROM {{if .Delta}}stitch_delta{{else}}{{table "identity_evidence"}}{{end}} e
WHERE e.rec_table = {{.Table}} AND e.rec_key IN (SELECT rec_key FROM stitch_records WHERE rec_table = {{.Table}})
