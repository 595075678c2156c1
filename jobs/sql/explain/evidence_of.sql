{{- /* A stitch evidence query (.Query, jobs/stitchinc/evidence_*.sql) restricted to the records asked about (.Keys: placeholders). */ -}}
SELECT * FROM ({{.Query}}) e WHERE rec_key IN ({{.Keys}})
