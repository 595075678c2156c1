{{- /* The newest event time per source and raw table over the loads recorded under their current loaded_at. */ -}}
SELECT f.source, e.raw_table, max(e.newest) AS newest
FROM publish_load_events e JOIN load_files f ON f.load_id = e.load_id AND e.loaded_at IS NOT DISTINCT FROM f.loaded_at
WHERE f.status = 'loaded' GROUP BY 1, 2
