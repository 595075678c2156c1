{{- /* A NULL row: every customer may have changed (a rebuild of core). */ -}}
INSERT INTO customer_changes VALUES (NULL)
