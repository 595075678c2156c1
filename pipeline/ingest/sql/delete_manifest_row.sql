DELETE FROM {{table "load_files"}} WHERE source = ? AND file = ? AND load_id = ?
