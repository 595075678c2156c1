{{- /* The profit of a month as the run of one day computed it (arguments: the month "2006-01", the day). */ -}}
SELECT profit FROM profit WHERE level = 'month' AND period = ? AND as_of = CAST(? AS DATE)
