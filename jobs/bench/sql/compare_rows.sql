{{- /* Two tables (.A, .B, quoted) paired row by row in the order of .Cols: the rows where .Conds (all AND-ed) fail, then .Counts (one per condition). */ -}}
WITH x AS (SELECT {{.Cols}}, row_number() OVER (ORDER BY {{.Cols}}) AS rn FROM {{.A}}),
	y AS (SELECT {{.Cols}}, row_number() OVER (ORDER BY {{.Cols}}) AS rn FROM {{.B}})
	SELECT count(*) FILTER (WHERE NOT ({{.Conds}})), {{.Counts}} FROM x JOIN y ON x.rn = y.rn
