{{- /* The settings customer_state was built with: the min_amount of the purchase rule and the time zone (two placeholders). */ -}}
INSERT INTO customer_state_meta VALUES (?, ?)
