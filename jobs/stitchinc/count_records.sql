SELECT count(*) FROM stitch_records
