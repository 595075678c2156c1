{{- /* The cut moved on: each customer of customer_cut_delta (its purchase days in the days the cut passed, and the last of them, none of them a changed customer) adds them to its row; all of them are after its last day on or before the old cut. */ -}}
UPDATE customer_cut_state SET days = customer_cut_state.days + d.days, last_day = d.last_day
FROM customer_cut_delta d WHERE d.customer_id = customer_cut_state.customer_id
