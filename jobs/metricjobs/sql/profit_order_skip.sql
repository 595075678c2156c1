{{- /* The order rows outside the as-of month (.AsOfPeriod): profit's order rows are the as-of month's orders, so those of
a base date in an earlier month are not kept (month_keep.sql's .Skip). */ -}}
level = 'order' AND period <> {{.AsOfPeriod}}
