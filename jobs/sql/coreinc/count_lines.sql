SELECT CAST(coalesce(sum(lines), 0) AS BIGINT) FROM orders
