SELECT coalesce(max(load_seq), 0) + 1 FROM {{table "load_files"}}
