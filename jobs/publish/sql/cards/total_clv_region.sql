{{- /* Total CLV of the customers of one region, newest scoring on or before a day (arguments: the day, the region). */ -}}
SELECT sum(v.clv) FROM customer_clv v JOIN customers c USING (customer_id) WHERE v.as_of = (SELECT max(as_of) FROM customer_clv WHERE as_of <= CAST(? AS DATE)) AND c.region = ?
