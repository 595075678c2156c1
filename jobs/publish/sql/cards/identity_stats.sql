{{- /* The stitching statistics of the last stitch. */ -}}
SELECT * FROM identity_stats
