SELECT count(*) FROM stitch_touched
