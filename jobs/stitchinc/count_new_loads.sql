SELECT count(*) FROM stitch_new_loads
