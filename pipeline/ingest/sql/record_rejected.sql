INSERT INTO {{table "load_files"}} (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime, config_hash, load_seq)
			VALUES (?, ?, ?, ?, ?, 'rejected', 0, 0, 0, ?, ?, now(), ?, ?, ?)
