SELECT rec_table, count(*) FROM core_dirty GROUP BY 1
