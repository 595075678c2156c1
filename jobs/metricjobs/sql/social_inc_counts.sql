SELECT month, dimension, key, subkey, interactions, views, likes, comments, shares, clicks, users, customers FROM {{table "social_counts"}}
