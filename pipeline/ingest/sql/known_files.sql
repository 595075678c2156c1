{{/* The whole manifest, for knownFiles: a file seen before is known by its name, size and modification time without reading it again. */}}
SELECT source, file, hash, bytes, file_mtime, status, rows_loaded, rows_quarantined FROM {{table "load_files"}}
