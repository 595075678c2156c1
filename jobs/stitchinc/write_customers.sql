{{/* The touched customers' golden records (absorbed ones included) leave; the part's customers replace them. */}}
DELETE FROM {{table "customers"}} WHERE customer_id IN (SELECT customer_id FROM stitch_touched)
