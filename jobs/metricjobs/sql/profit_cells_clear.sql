{{- /* Drops the profit cells of the months recomputed (.Months) and of any month after the as-of month: the
months' cells are written again from their lines. */ -}}
DELETE FROM {{table "profit_cells"}} WHERE period IN ({{.Months}}) OR period > {{.AsOfPeriod}}
