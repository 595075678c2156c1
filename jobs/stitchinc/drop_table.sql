{{- /* A stitch output (.Table) dropped before it is written again whole (replaceIn). */ -}}
DROP TABLE IF EXISTS {{.Table}}
