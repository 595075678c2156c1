SELECT count(*) FROM profit_touched
