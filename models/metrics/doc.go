// Package metrics computes the business metrics of the scorecards from
// Arrow record batches: profit per customer and per order, customer growth
// per month, sales breakdowns, campaign effect against a control group,
// cross-channel credit for stores and associates, and social engagement.
//
// The package is pure: it reads no files, calls no warehouse and keeps no
// global state. Each metric is one function (Profit, Growth, Sales,
// CampaignEffect, ChannelCredit, SocialEngagement) that takes the input
// tables as record batches whose columns are found by name, returns Go rows
// and statistics, and renders the rows as Arrow batches of the metric's mart
// schema (ProfitSchema, GrowthSchema, ...). The per-row work runs over Arrow
// arrays with dense integer indices (customers, orders, products, stores),
// so ten million order lines take seconds.
//
// Shared definitions:
//
//   - Time. Timestamps are instants; days and months are taken in the
//     business time zone of the Calendar. The as-of date is included: events
//     before the start of the day after it count, later events are ignored,
//     so a rerun for an earlier date sees the data as it was then. A period
//     is a month written 'YYYY-MM'.
//   - Cancelled lines. A line whose status is in Options.CancelledStatuses
//     (default cancelled, canceled, void, unpaid) is not a sale at all; such
//     lines are counted in the statistics and otherwise ignored.
//   - Net sales are paid_amount (after discounts) minus refund_amount.
//   - Refunds. A line refunded in full (refund_amount > 0 and at least
//     paid_amount) is taken as returned: its units and its cost are not
//     counted. A partial refund is a price concession: units and cost stay.
//   - Purchases. An order (channel, order_id) is a purchase when its net
//     sales over its non-cancelled lines are above zero. Fully refunded and
//     zero-value orders are therefore not purchases: they make nobody a
//     buyer, but they are counted (refunded_orders) and their refunds are
//     in the net sales.
//   - Anonymous orders have no customer_id (e.g. store receipts without a
//     member card). They count in sales and profit totals and are reported
//     as anonymous_orders; customer figures leave them out.
//   - Missing costs. A line whose SKU is not in the products table, or whose
//     unit_cost is null, has no cost. It is never priced at zero: cost and
//     profit cover the costed lines only (costed_net_sales says how much of
//     the net sales that is), and missing_cost_lines and
//     missing_cost_net_sales show the rest. An order with such a line has
//     no profit (NULL) at order level.
//
// Floating-point fields that are not defined (a rate over an empty group,
// an uplift without a control group) are NaN in the Go rows and NULL in the
// marts; empty optional strings are NULL.
package metrics
