// Package cohort builds the acquisition-cohort retention matrix: customers
// grouped by the calendar month of their first purchase (after identity
// stitching, so across channels) and followed month by month.
//
// The package is pure: it reads Arrow record batches and returns Go values
// (and, for the mart, an Arrow record batch); it touches no warehouse.
//
// # Inputs
//
// Orders: one row per order (an order is a distinct (channel, order_id)),
// with the columns
//
//	customer_ix  int32 or int64   dense customer index, 0 <= ix < number of customers
//	order_ts     timestamp (any unit; the instant, whatever the column's zone)
//	net_amount   float64          paid − refunded
//
// Customers: one row per customer index, with customer_ix and one string
// column per dimension to split by (for the job: first_channel, region,
// first_category). Row order does not matter; customer_ix places the row.
// Null or empty dimension values become "unknown".
//
// Dense integer indices keep the per-order work free of string hashing: the
// job glue numbers the customers in SQL and the model works on arrays.
//
// # Rules
//
//   - A purchase is an order with a non-null customer index, order_ts and
//     net_amount, and order_ts before the end of the
//     as-of day (order_ts < AsOf + 1 day in Options.Location). The model
//     does not filter on the amount: the caller decides what a purchase is
//     (the job passes the shared purchase rule, jobs.PurchasePredicate, so
//     a $0.00 purchase makes its customer a buyer and adds 0 revenue).
//   - Months are calendar months in Options.Location. A customer's cohort is
//     the month of the first purchase; months_since of a purchase is its
//     month minus the cohort month (0 = the cohort month itself).
//   - For every dimension value, every cohort month that has at least one
//     customer and every months_since from 0 up to the as-of month (the last,
//     partial month included) there is one cell, zero-activity cells
//     included, so the matrix is dense and triangular.
//   - customers_active(c, k) is the number of distinct customers of cohort c
//     with at least one purchase in month c+k; retention_pct is
//     100 × customers_active / cohort_size (so 100 at k = 0); revenue is the
//     sum of net_amount of those purchases; cum_revenue_per_customer is the
//     revenue of months 0..k summed, divided by cohort_size.
//   - The dimension "all" (value "all") comes first, then the requested
//     dimensions in order; within a dimension, values sort by byte order,
//     then cohort month, then months_since.
package cohort
