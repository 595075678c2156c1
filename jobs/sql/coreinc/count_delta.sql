SELECT (SELECT count(*) FROM core_delta), (SELECT count(*) FROM core_touched)
