{{- /* Forget every recorded load (run --full records them all again). */ -}}
DELETE FROM publish_load_events WHERE TRUE
