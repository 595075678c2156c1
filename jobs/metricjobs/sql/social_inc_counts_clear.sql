DELETE FROM {{table "social_counts"}} WHERE true
