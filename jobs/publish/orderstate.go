package publish

import (
	"context"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// orderStateUsable says whether the customer tags may read each customer's
// order figures (orders, net sales, newest order time and channel) from
// customer_order_state, which the customer_state job keeps per customer
// from core's change log (jobs/clvjob), instead of aggregating every order
// of the history; why says why not.
//
// The tags count the orders before end. The state counts every order of
// core, so the two agree when core has changed nothing since the state
// was brought up to date (customer_changes is empty: the customer_state
// job consumes it, and core lists there the customers of every order it
// adds, changes or moves, or every customer when it is rebuilt) and no
// order is at or after end (the state's newest order time is before it).
func orderStateUsable(ctx context.Context, wh warehouse.Querier, end time.Time) (ok bool, why string) {
	for _, t := range []string{"customer_order_state", "customer_changes"} {
		has, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return false, "look up " + t + ": " + err.Error()
		}
		if !has {
			return false, "no " + t
		}
	}
	recs, err := wh.Query(ctx, cardSQL["order_state_check"])
	if err != nil {
		return false, "read customer_order_state: " + err.Error()
	}
	defer warehouse.Release(recs)
	if warehouse.NumRows(recs) != 1 {
		return false, "customer_order_state: no answer"
	}
	r := recs[0]
	switch {
	case warehouse.Int64At(r, 0, 0) > 0:
		return false, "customer_order_state is behind core (customer_changes has rows)"
	case !r.Column(1).IsNull(0) && !warehouse.TimeAt(r, 1, 0).Before(end):
		return false, "orders at or after the end of the as-of day " + end.Format(time.RFC3339)
	}
	return true, ""
}
