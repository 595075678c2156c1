{{- /* Stage flows of the pyramid view with customers, of the newest run on or before a day (argument: the day). */ -}}
SELECT from_stage, to_stage, customers, rate FROM lifecycle_flows WHERE as_of = (SELECT max(as_of) FROM lifecycle_flows WHERE as_of <= CAST(? AS DATE)) AND view = 'pyramid' AND customers > 0 ORDER BY from_stage, to_stage
