{{- /* Whether any line names an original (0 or 1): the scan stops at the first, and a column of NULLs only is answered from its statistics. */ -}}
SELECT count(*) FROM (SELECT 1 FROM {{table "raw_order_lines"}} WHERE original_order_id IS NOT NULL LIMIT 1) x
