{{- /* The identifiers of a stitch of the delta alone (.From: the temporary table stitch_keys_map or stitch_keys_blocked, loaded in Go) into stitch_keys. */ -}}
INSERT INTO stitch_keys SELECT id_type, id_value FROM {{.From}}
