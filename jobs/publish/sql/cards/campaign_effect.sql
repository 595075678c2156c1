{{- /* The campaigns of two periods, newest run on or before a day (arguments: the day, the two months "2006-01"). */ -}}
SELECT period, campaign_id, campaign_name, channel, start_date, end_date, spend, target_customers, control_customers, target_rate, control_rate, uplift, uplift_low, uplift_high, incremental_revenue, note
FROM campaign_effect WHERE as_of = (SELECT max(as_of) FROM campaign_effect WHERE as_of <= CAST(? AS DATE)) AND period IN (?, ?) ORDER BY period DESC, campaign_id
