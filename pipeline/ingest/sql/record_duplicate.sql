{{/* A duplicate file's manifest row, once per (hash, file): the last two arguments repeat the hash and the file. */}}
INSERT INTO {{table "load_files"}} (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime, config_hash, load_seq)
					SELECT ?, ?, ?, ?, ?, 'duplicate', 0, 0, 0, ?, ?, now(), ?, ?, ? FROM (SELECT 1) AS one WHERE NOT EXISTS (SELECT 1 FROM {{table "load_files"}} WHERE hash = ? AND file = ?)
