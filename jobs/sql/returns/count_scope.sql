SELECT count(*) FROM {{table "return_scope"}}
