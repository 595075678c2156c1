{{- /* The columns of one table of the main schema and their types, in order (argument: table). */ -}}
SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position
