SELECT count(*) FROM {{table "return_ties"}}
