{{- /* The master query (.Query, sql/core/master_<table>.sql reading the keys of core_mkeys only) into .Table. */ -}}
INSERT INTO {{.Table}} {{.Query}}
