SELECT customer_id, region FROM {{table "customers"}}
