{{- /* Total CLV of the newest fit before a day (argument: the day). */ -}}
SELECT total_clv FROM clv_fit WHERE as_of < CAST(? AS DATE) ORDER BY as_of DESC LIMIT 1
