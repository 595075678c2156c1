{{- /* Return lines (negative quantity) of the loaded files per source. */ -}}
SELECT f.source, count(*) AS return_lines, sum(r.refund_amount) AS returned_amount,
			count(CASE WHEN r.original_order_id = r.order_id THEN 1 END) AS tied_to_original,
			count(CASE WHEN r.original_order_id <> r.order_id THEN 1 END) AS original_not_loaded
			FROM kept_order_lines r JOIN (SELECT DISTINCT load_id, source FROM load_files WHERE status = 'loaded') f ON f.load_id = r._load_id
			WHERE r.qty < 0 GROUP BY 1 ORDER BY 1
