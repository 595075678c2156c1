SELECT customer_id, aipl_stage, pyramid_stage FROM {{table "lifecycle_stage"}} WHERE as_of = CAST(? AS DATE)
