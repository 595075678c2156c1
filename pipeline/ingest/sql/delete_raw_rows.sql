DELETE FROM {{table .Raw}} WHERE _load_id = ?
