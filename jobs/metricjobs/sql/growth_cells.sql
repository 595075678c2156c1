{{- /* The growth counts per period, first channel and region summed over every customer's contributions
(growth_contrib, summed per key first and the keys then spelled out from growth_keys), with the churn after each
customer's last purchase where the as-of date (.AsOf) reached its churn_date (growth_customers): what
metrics.GrowthFromCells builds the mart from. */ -}}
SELECT period, first_channel, region, CAST(sum(buyers) AS BIGINT) AS buyers, CAST(sum(new_customers) AS BIGINT) AS new_customers,
	CAST(sum(returning_customers) AS BIGINT) AS returning_customers, CAST(sum(reactivated_customers) AS BIGINT) AS reactivated_customers,
	CAST(sum(reactivations) AS BIGINT) AS reactivations, CAST(sum(churned) AS BIGINT) AS churned
FROM (
	SELECT k.period, k.first_channel, k.region, c.buyers, c.new_customers, c.returning_customers, c.reactivated_customers, c.reactivations, c.churned
	FROM (
		SELECT key, sum(buyers) AS buyers, sum(new_customers) AS new_customers, sum(returning_customers) AS returning_customers,
			sum(reactivated_customers) AS reactivated_customers, sum(reactivations) AS reactivations, sum(churned) AS churned
		FROM {{table "growth_contrib"}} GROUP BY key
	) c JOIN {{table "growth_keys"}} k ON k.key = c.key
	UNION ALL
	SELECT churn_period, first_channel, region, 0, 0, 0, 0, 0, 1
	FROM {{table "growth_customers"}} WHERE churn_date <= CAST({{.AsOf}} AS DATE)
) c
GROUP BY period, first_channel, region
