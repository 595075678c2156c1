{{- /* The delta's records of one table (.Table, a literal) from stitch_delta, in the columns Stitch reads (rec_table is added in Go). */ -}}
SELECT e.* EXCLUDE (rec_table) FROM stitch_delta e WHERE e.rec_table = {{.Table}}
