{{- /* Every customer's purchase days on or before the cut and the last of them (clv.CutState). */ -}}
SELECT customer_id, CAST(days AS BIGINT) AS days, CAST(last_day AS DATE) AS last_day FROM {{table "customer_cut_state"}}
