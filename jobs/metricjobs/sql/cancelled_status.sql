{{- /* The status column as itself when it is one of the cancelled statuses (.Statuses: quoted, lower case), else NULL. */ -}}
CASE WHEN lower(status) IN ({{.Statuses}}) THEN status END
