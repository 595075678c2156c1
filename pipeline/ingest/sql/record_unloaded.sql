INSERT INTO {{table "load_files"}} (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at)
					VALUES (?, ?, ?, ?, ?, 0, 0, 0, 'unloaded by hand', ?, now())
