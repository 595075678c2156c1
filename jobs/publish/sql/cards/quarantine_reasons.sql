{{- /* Quarantined rows per source, reason and field. */ -}}
SELECT source, reason, coalesce("column", '') AS field, count(*) AS rows_quarantined FROM quarantine GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2, 3
