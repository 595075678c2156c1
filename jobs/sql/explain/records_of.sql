{{- /* The records of a customer (one placeholder: the customer id). */ -}}
SELECT rec_table, rec_key FROM {{table "identity_assignments"}} WHERE customer_id = ?
