DELETE FROM {{table "quarantine"}} WHERE load_id = ? AND file = ?
