{{- /* A copy of a table (.From) under another name (.To), both quoted. */ -}}
CREATE OR REPLACE TABLE {{.To}} AS SELECT * FROM {{.From}}
