{{- /* Customers per AIPL stage, all channels, of the newest run on or before a day (argument: the day). */ -}}
SELECT stage, customers FROM lifecycle_counts WHERE as_of = (SELECT max(as_of) FROM lifecycle_counts WHERE as_of <= CAST(? AS DATE)) AND view = 'aipl' AND channel = 'all'
ORDER BY CASE stage WHEN 'aware' THEN 1 WHEN 'interested' THEN 2 WHEN 'purchased' THEN 3 WHEN 'loyal' THEN 4 ELSE 5 END
