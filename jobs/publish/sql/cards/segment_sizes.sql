{{- /* The newest recorded segment sizes on or before a day (argument: the day). */ -}}
SELECT segment, definition, customers FROM segment_sizes WHERE as_of = (SELECT max(as_of) FROM segment_sizes WHERE as_of <= CAST(? AS DATE)) ORDER BY segment
