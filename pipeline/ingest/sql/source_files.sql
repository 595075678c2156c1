SELECT file, load_id, status, hash FROM {{table "load_files"}} WHERE source = ? ORDER BY file
