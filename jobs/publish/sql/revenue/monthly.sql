{{- /* Net sales per month and channel over every order; .Month is the
order's month in the business time zone (reports.MonthCase). */ -}}
SELECT {{.Month}} AS month, channel, sum(net_amount) AS net
FROM {{table "orders"}} GROUP BY 1, 2 ORDER BY 1, 2
