{{- /* The loads of a file named by the user: its name as stored, or its base name under any folder (placeholders: the name, then "%/" + name). LIKE reads _ and % in the name as wildcards: the caller keeps the exact matches. */ -}}
SELECT DISTINCT load_id, file FROM {{table "load_files"}} WHERE file = ? OR file LIKE ?
