{{- /* The profit of a month as the newest run on or before a day computed it (arguments: the month "2006-01", the day). */ -}}
SELECT profit FROM profit WHERE level = 'month' AND period = ? AND as_of = (SELECT max(as_of) FROM profit WHERE as_of <= CAST(? AS DATE))
