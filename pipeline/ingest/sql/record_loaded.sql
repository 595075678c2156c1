{{/* A file settled by its group's transaction: loaded, or rejected when every row was quarantined. */}}
INSERT INTO {{table "load_files"}} (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime, config_hash, load_seq)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?)
