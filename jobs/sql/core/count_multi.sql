{{- /* Orders exported more than once (their _load_id is NULL). */ -}}
SELECT count(*) FROM {{table "orders"}} WHERE _load_id IS NULL
