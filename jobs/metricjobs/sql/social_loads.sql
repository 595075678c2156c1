{{- /* social_engagement's chunked read: the loads of social_interactions with their rows up to the as-of day, in load
order; the job reads them a few loads at a time (social_chunk.sql). */ -}}
SELECT _load_id AS load_id, count(*) AS n FROM {{table "raw_social_interactions"}} WHERE ts < {{.End}} GROUP BY _load_id ORDER BY _load_id
