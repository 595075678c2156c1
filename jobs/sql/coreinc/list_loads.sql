SELECT load_id FROM {{.Table}} ORDER BY 1
