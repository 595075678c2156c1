DELETE FROM core_loads WHERE true
