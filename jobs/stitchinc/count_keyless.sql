{{- /* Records of the new loads without a key: an order without channel or id. */ -}}
SELECT count(*) FROM stitch_delta WHERE rec_key IS NULL
