{{/* The manifest row of an earlier rejection of a file read again (a load whose every row was quarantined counts). */}}
DELETE FROM {{table "load_files"}} WHERE hash = ? AND file = ? AND (status = 'rejected' OR (status = 'loaded' AND rows_loaded = 0))
