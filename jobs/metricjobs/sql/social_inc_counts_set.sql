INSERT INTO {{table "social_counts"}} SELECT * FROM social_nc
