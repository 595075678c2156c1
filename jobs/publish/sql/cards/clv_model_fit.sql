{{- /* The CLV model fit of the newest run on or before a day (argument: the day). */ -}}
SELECT customers, distinct_triples, r, alpha, a, b, loglik, gg_p, gg_q, gg_gamma, holdout_actual, holdout_predicted FROM clv_fit WHERE as_of = (SELECT max(as_of) FROM clv_fit WHERE as_of <= CAST(? AS DATE))
