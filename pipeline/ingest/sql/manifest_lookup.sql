{{/* The manifest row of a file's content (hash ?): one of the same name (?) first; a loaded one before a duplicate or rejected one, an unloaded one last. */}}
SELECT status, file, config_hash, error, rows_loaded, rows_quarantined FROM {{table "load_files"}} WHERE hash = ? AND status IN ('loaded','duplicate','rejected','unloaded')
		ORDER BY (file = ?) DESC, CASE status WHEN 'loaded' THEN 0 WHEN 'unloaded' THEN 2 ELSE 1 END LIMIT 1
