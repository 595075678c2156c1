SELECT store_id, store_name, region FROM {{table "stores"}}
