SELECT count(*) FROM return_scope
