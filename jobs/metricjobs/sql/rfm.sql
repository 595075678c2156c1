SELECT customer_id, tier FROM {{table "rfm"}} WHERE as_of = CAST(? AS DATE)
