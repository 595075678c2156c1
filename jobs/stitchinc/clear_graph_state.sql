DELETE FROM {{table "identity_graph_state"}} WHERE true
