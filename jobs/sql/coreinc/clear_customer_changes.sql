DELETE FROM customer_changes WHERE true
