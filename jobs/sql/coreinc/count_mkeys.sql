SELECT count(*) FROM core_mkeys
