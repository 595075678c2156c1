DROP TABLE {{.Table}}
