{{/* The graph now covers the delta. */}}
INSERT INTO {{table "identity_graph_loads"}} SELECT load_id FROM stitch_new_loads
