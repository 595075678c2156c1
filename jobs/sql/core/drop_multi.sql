DELETE FROM orders WHERE _load_id IS NULL
