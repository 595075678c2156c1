{{- /* The identity config fingerprint the graph was built with (one placeholder). */ -}}
INSERT INTO {{table "identity_graph_state"}} VALUES (?)
