{{- /* The parameters of the newest CLV fit, the warm start of the next. */ -}}
SELECT r, alpha, a, b, gg_p, gg_q, gg_gamma FROM {{table "clv_fit"}}
WHERE r IS NOT NULL ORDER BY as_of DESC LIMIT 1
