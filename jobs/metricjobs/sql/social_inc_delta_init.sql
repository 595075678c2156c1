{{- /* social_delta: the changes to social_counts that social_inc_contrib.sql collects, empty, of social_counts' columns. */ -}}
CREATE OR REPLACE TEMP TABLE social_delta AS SELECT * FROM {{table "social_counts"}} LIMIT 0
