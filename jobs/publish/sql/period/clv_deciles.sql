{{- /* Customers and CLV per decile, newest scoring on or before a day (arguments: the day, the region when .Region; the customers join is only needed for the region). */ -}}
SELECT v.clv_decile AS decile, count(*) AS customers, avg(v.clv) AS avg_clv, sum(v.clv) AS total_clv, avg(v.p_alive) AS p_alive_ratio
FROM customer_clv v{{if .Region}} LEFT JOIN customers c USING (customer_id){{end}}
WHERE v.as_of = (SELECT max(as_of) FROM customer_clv WHERE as_of <= CAST(? AS DATE)) AND {{if .Region}}c.region = ?{{else}}TRUE{{end}} GROUP BY 1 ORDER BY 1
