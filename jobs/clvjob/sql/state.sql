{{- /* The per-customer purchase state (clv.State), in customer id order as the summaries of the full path are. With .Cut each row also has its customer's cut state (customer_cut_state: cut_days, cut_last_day; NULL when it has none), read in the same pass instead of looked up by id. */ -}}
SELECT s.customer_id, CAST(s.first_day AS DATE) AS first_day, CAST(s.last_day AS DATE) AS last_day, CAST(s.days AS BIGINT) AS days,
	CAST(s.first_value AS DOUBLE) AS first_value, CAST(s.repeat_value AS DOUBLE) AS repeat_value
	{{- if .Cut}}, CAST(c.days AS BIGINT) AS cut_days, CAST(c.last_day AS DATE) AS cut_last_day{{end}}
FROM {{table "customer_state"}} s
{{- if .Cut}} LEFT JOIN {{table "customer_cut_state"}} c ON c.customer_id = s.customer_id{{end}}
ORDER BY s.customer_id
