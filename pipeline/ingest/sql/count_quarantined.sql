SELECT count(*) FROM {{table "quarantine"}} WHERE load_id = ? AND file = ?
