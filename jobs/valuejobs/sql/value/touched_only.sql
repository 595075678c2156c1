{{- /* Narrows the cohort attributes' purchases to the customers touched (cohort_customers' .Where). */ -}}
AND customer_id IN (SELECT customer_id FROM cohort_touched)
