{{- /* The rows of master .Table whose key is in core_mkeys (.KeyMatch: k against the table's row). */ -}}
DELETE FROM {{.Table}} WHERE EXISTS (SELECT 1 FROM core_mkeys k WHERE {{.KeyMatch}})
