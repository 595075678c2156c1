SELECT count(*) FROM {{table .Raw}} WHERE _load_id = ?
