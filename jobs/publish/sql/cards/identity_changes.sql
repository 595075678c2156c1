{{- /* Merges and splits recorded by the stitches. */ -}}
SELECT change, count(*) AS changes FROM identity_changes GROUP BY 1 ORDER BY 1
