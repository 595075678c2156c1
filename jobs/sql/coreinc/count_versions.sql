SELECT count(*) FROM order_versions
