DROP TABLE IF EXISTS {{table "return_scope"}}
