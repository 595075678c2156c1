SELECT max(config) FROM {{table "identity_graph_state"}}
