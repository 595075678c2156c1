package publish

import (
	"context"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// firstDaysUsable says whether the new-customer figures may read each
// customer's first purchase day from customer_state (the per-customer
// state the customer_state job keeps up to date with core) instead of
// taking the minimum over every order of the history; why says why not.
//
// A customer counted as buying in a period has a purchase before the
// period's end, so the first purchase before that end is the first
// purchase ever, which customer_state holds as a day in the config's zone;
// the periods start at midnight in that zone, so "first purchase on or
// after the period's first day" is the same test. That holds when the
// state was built with this config's purchase rule (min_amount) and zone
// and core has changed nothing since (customer_changes is empty: the
// customer_state job consumes it). Otherwise the figures read orders.
func firstDaysUsable(ctx context.Context, wh warehouse.Querier, cfg *config.Config) (ok bool, why string) {
	for _, t := range []string{"customer_state", "customer_state_meta", "customer_changes"} {
		has, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return false, "look up " + t + ": " + err.Error()
		}
		if !has {
			return false, "no " + t
		}
	}
	recs, err := wh.Query(ctx, cardSQL["first_days_state"])
	if err != nil {
		return false, "read customer_state_meta: " + err.Error()
	}
	defer warehouse.Release(recs)
	if warehouse.NumRows(recs) != 1 {
		return false, "customer_state_meta has no settings"
	}
	r := recs[0]
	zone := jobs.ZoneName(cfg)
	switch {
	case r.Column(0).IsNull(0) || warehouse.FloatAt(r, 0, 0) != cfg.Models.CLV.MinAmount:
		return false, "customer_state was built with another min_amount"
	case warehouse.StringAt(r, 1, 0) != zone:
		return false, "customer_state's days are in another time zone"
	case warehouse.Int64At(r, 2, 0) > 0:
		return false, "customer_state is behind core (customer_changes has rows)"
	}
	return true, ""
}
