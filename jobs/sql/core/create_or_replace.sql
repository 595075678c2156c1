{{- /* A core table or view (.View) made from its query (coreTable.statement). */ -}}
CREATE OR REPLACE {{if .View}}VIEW{{else}}TABLE{{end}} {{.Table}} AS {{.Query}}
