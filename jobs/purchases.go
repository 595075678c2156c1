package jobs

// purchasesCTE selects the purchases, orders of stitched customers with
// positive net sales before the end of the as-of day (the one parameter),
// and numbers their customers densely in id order, so models group
// purchases by a small integer instead of hashing ids.
const purchasesCTE = `WITH p AS (
	SELECT customer_id, order_ts, CAST(net_amount AS DOUBLE) AS net_amount
	FROM orders WHERE customer_id IS NOT NULL AND net_amount > 0 AND order_ts < CAST(? AS TIMESTAMPTZ)
), k AS (
	SELECT customer_id, CAST(row_number() OVER (ORDER BY customer_id) - 1 AS INTEGER) AS customer_ix
	FROM (SELECT DISTINCT customer_id FROM p) AS d
)`

// PurchasesSQL reads one row per purchase (customer_ix, order_ts,
// net_amount); its parameter is the end of the as-of day.
const PurchasesSQL = purchasesCTE + `
SELECT k.customer_ix, p.order_ts, p.net_amount FROM p JOIN k ON k.customer_id = p.customer_id`

// PurchaseCustomersSQL reads the customer numbering of PurchasesSQL
// (customer_ix, customer_id) for the same parameter.
const PurchaseCustomersSQL = purchasesCTE + `
SELECT customer_ix, customer_id FROM k`
