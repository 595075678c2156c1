{{- /* Customers per lifecycle stage, pyramid view, all channels, of the newest run on or before a day (argument: the day). */ -}}
SELECT stage, customers FROM lifecycle_counts WHERE as_of = (SELECT max(as_of) FROM lifecycle_counts WHERE as_of <= CAST(? AS DATE)) AND view = 'pyramid' AND channel = 'all' AND stage <> 'anonymous_orders'
ORDER BY CASE stage WHEN 'aware' THEN 1 WHEN 'interested' THEN 2 WHEN 'first_purchase' THEN 3 WHEN 'repeat' THEN 4 WHEN 'loyal' THEN 5 ELSE 6 END
