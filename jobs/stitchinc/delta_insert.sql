{{- /* One evidence query of the delta (.Query: an evidence_*.sql rendered with .Loads) into stitch_delta, with its constant columns (.Table: the rec_table literal; .Channel: a channel literal or empty). */ -}}
INSERT INTO stitch_delta BY NAME SELECT {{.Table}} AS rec_table{{if .Channel}}, {{.Channel}} AS channel{{end}}, q.* FROM ({{.Query}}) q
