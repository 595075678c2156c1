DELETE FROM {{table "identity_graph_loads"}} WHERE true
