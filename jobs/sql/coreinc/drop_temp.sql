DROP TABLE IF EXISTS temp.main.{{.Table}}
