{{- /* The cut day customer_cut_state is at (one placeholder, a DATE). */ -}}
INSERT INTO customer_cut_meta VALUES (CAST(? AS DATE))
