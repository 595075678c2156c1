{{- /* The cut day customer_cut_state is at (one row). */ -}}
SELECT cut FROM {{table "customer_cut_meta"}}
