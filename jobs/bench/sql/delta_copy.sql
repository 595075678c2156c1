{{- /* The delta file: the share (.Share per million) of the rows of the parquet file .Src picked by the hash of the key column .Key, with the .Replace columns, written to .Dst (paths as SQL literals). */ -}}
COPY (SELECT * REPLACE ({{.Replace}}) FROM read_parquet({{.Src}}) WHERE hash(CAST({{.Key}} AS VARCHAR)) % 1000000 < {{.Share}}) TO {{.Dst}} (FORMAT parquet)
