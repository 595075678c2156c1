package metricjobs

import (
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Narrow order reads. campaign_effect, channel_credit and
// social_engagement each look at a small part of the orders: the
// contacted customers' orders near their contacts, the orders of
// store-recruited customers within the credit window, the orders of
// followers' customers near their follows. Their narrow queries
// (sql/campaign_orders.sql, credit_orders.sql, social_orders.sql) select a
// superset of those orders, so the marts are the same as from every order
// (TestNarrowEqualsFull); only the order counts of the job messages
// shrink. run --full reads every order (the reference path), as do
// warehouses without cheap keyed updates (BigQuery, where the narrow
// queries' interval arithmetic is not spelled).

// narrowInputs are the values of the narrow queries.
type narrowInputs struct {
	inputs
	Days   int    // the window in days, plus one day of margin
	Stores string // the store channels as a SQL list
}

// narrow reports whether this run reads the narrow order sets: not on
// run --full or BigQuery, nor when a table the narrow query joins is
// absent (read as empty by the job).
func (r *run) narrow(joins ...string) bool {
	if r.env.Full || !warehouse.CapabilitiesOf(r.wh.Dialect()).IncrementalUpdates {
		return false
	}
	for _, t := range joins {
		if slices.Contains(r.missing, t) {
			return false
		}
	}
	return true
}

// narrowOrders reads the orders with the narrow query file for a window
// of days days.
func (r *run) narrowOrders(file string, days int, associate bool) ([]arrow.RecordBatch, error) {
	d := warehouse.SQLOf(r.wh.Dialect())
	stores := make([]string, len(metrics.DefaultStoreChannels))
	for i, s := range metrics.DefaultStoreChannels {
		stores[i] = d.String(s)
	}
	q, err := r.render(file, narrowInputs{
		inputs: inputs{Status: r.cancelledStatus(), End: r.end, Associate: associate},
		Days:   days + 1, Stores: strings.Join(stores, ", "),
	})
	if err != nil {
		return nil, err
	}
	return r.query("orders", q)
}

// campaignOrders are campaign_effect's orders.
func (r *run) campaignOrders(days int) ([]arrow.RecordBatch, error) {
	if !r.narrow("campaign_contacts") {
		return r.orders(false)
	}
	return r.narrowOrders("campaign_orders", days, false)
}

// creditOrders are channel_credit's orders.
func (r *run) creditOrders(days int) ([]arrow.RecordBatch, error) {
	if !r.narrow() {
		return r.orders(true)
	}
	return r.narrowOrders("credit_orders", days, true)
}

// socialOrders are social_engagement's orders.
func (r *run) socialOrders(days int) ([]arrow.RecordBatch, error) {
	if !r.narrow("social_accounts", "social_interactions") {
		return r.orders(false)
	}
	return r.narrowOrders("social_orders", days, false)
}
