{{- /* Whether no two loaded load ids share a fingerprint (.LoadIDHash): then orders compares fingerprints instead of strings. */ -}}
SELECT count(DISTINCT load_id) = count(DISTINCT {{.LoadIDHash}}) FROM {{table "load_files"}}
