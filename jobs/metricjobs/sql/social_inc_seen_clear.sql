DELETE FROM {{table "social_loads_seen"}} WHERE true
