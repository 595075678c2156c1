package clvjob

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/clv"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// fitInput is what the fit and the holdout check take: the summaries at
// the as-of date and, with a holdout, at its start.
type fitInput struct {
	sums, hs  []clv.Summary
	rowsIn    int64
	readSec   float64
	fromState bool
	source    string // where the summaries came from, for the message
	reason    string // why customer_state could not be used ("" when it was)
}

// summariesFromState builds the summaries from customer_state: X, t_x, T
// and the mean spend are arithmetic on each customer's state and the as-of
// date, and so is the holdout check's from customer_cut_state when it is
// at the holdout's cut (else it reads again the purchases of the customers
// who bought in the holdout weeks). It returns a reason instead
// when the state cannot give the same summaries as every purchase would
// (run --full, no state, changes of core not yet taken in, other
// settings, a purchase after the as-of date).
func summariesFromState(ctx context.Context, env *jobs.Env, calEnd time.Time, holdoutDays int) (fitInput, error) {
	if env.Full {
		return fitInput{reason: "run --full"}, nil
	}
	m, err := readStateMeta(ctx, env, clvReads)
	if err != nil {
		return fitInput{}, err
	}
	cal := clv.DayNumber(calEnd)
	switch {
	case m.reason != "":
		return fitInput{reason: "customer_state: " + m.reason}, nil
	case m.pending > 0:
		return fitInput{reason: fmt.Sprintf("customer_state is behind core (%d customers changed since)", m.pending)}, nil
	case m.newest > cal:
		return fitInput{reason: fmt.Sprintf("customer_state has purchases after the as-of date %s", calEnd.Format(time.DateOnly))}, nil
	}
	t0 := time.Now()
	// The cut state, when it is at the holdout's cut, is read with the
	// states (one pass, aligned by customer).
	cut := calEnd.AddDate(0, 0, -holdoutDays)
	cutUsable := false
	if holdoutDays > 0 {
		at, has, err := readCutMeta(ctx, env.WH, clvReads)
		if err != nil {
			return fitInput{}, fmt.Errorf("holdout: %w", err)
		}
		cutUsable = has && at == clv.DayNumber(cut)
	}
	states, cuts, err := readStates(ctx, env.WH, cutUsable)
	if err != nil {
		return fitInput{}, err
	}
	in := fitInput{fromState: true, rowsIn: int64(len(states)), source: "customer_state"}
	if in.sums, err = clv.SummariesFromStates(states, calEnd); err != nil {
		return fitInput{}, err
	}
	if holdoutDays > 0 {
		if cutUsable {
			in.source += fmt.Sprintf(" and customer_cut_state at %s", cut.Format(time.DateOnly))
			if in.hs, err = clv.HoldoutFromStateCuts(states, cuts, cut, calEnd); err != nil {
				return fitInput{}, fmt.Errorf("holdout: %w", err)
			}
			in.readSec = time.Since(t0).Seconds()
			return in, nil
		}
		args := purchaseArgs{Purchase: jobs.PurchasePredicate(env.Cfg.Models.CLV.MinAmount), Recent: true, Cut: "DATE '" + cut.Format(time.DateOnly) + "'"}
		recent, n, err := readPurchases(ctx, env.WH, clvReads, args, locOf(env.Cfg))
		if err != nil {
			return fitInput{}, fmt.Errorf("holdout: %w", err)
		}
		in.rowsIn += n
		in.source += fmt.Sprintf(" and the %d purchases of the %d customers active in the holdout", n, recent.Customers())
		if in.hs, err = clv.HoldoutFromStates(states, recent, cut, calEnd); err != nil {
			return fitInput{}, fmt.Errorf("holdout: %w", err)
		}
	}
	in.readSec = time.Since(t0).Seconds()
	return in, nil
}

// summariesFromPurchases builds the summaries from every purchase before
// the end of the as-of day (the read the cohorts and rfm jobs share).
func summariesFromPurchases(ctx context.Context, env *jobs.Env, asOf, calEnd time.Time, holdoutDays int, reason string) (fitInput, error) {
	t0 := time.Now()
	endArg := asOf.AddDate(0, 0, 1).Format(time.RFC3339) // the as-of day is included
	var recs, custs []arrow.RecordBatch
	defer func() { warehouse.Release(recs); warehouse.Release(custs) }()
	recs, err := jobs.ReadPurchases(ctx, env, endArg)
	if err != nil {
		return fitInput{}, fmt.Errorf("read orders: %w", err)
	}
	custs, err = jobs.ReadPurchaseCustomers(ctx, env, endArg)
	if err != nil {
		return fitInput{}, fmt.Errorf("read customers: %w", err)
	}
	in := fitInput{readSec: time.Since(t0).Seconds(), rowsIn: warehouse.NumRows(recs), source: "every purchase (" + reason + ")"}
	ids, err := readIDs(custs)
	if err != nil {
		return fitInput{}, err
	}
	purchases, err := clv.PurchasesFromIndexed(recs, "customer_ix", "order_ts", "net_amount", ids, locOf(env.Cfg))
	if err != nil {
		return fitInput{}, err
	}
	if in.sums, err = purchases.Summaries(calEnd, time.Time{}); err != nil {
		return fitInput{}, err
	}
	if holdoutDays > 0 {
		in.hs, _ = purchases.Summaries(calEnd.AddDate(0, 0, -holdoutDays), calEnd)
	}
	return in, nil
}

// lastFit returns the parameters of the newest stored fit (zero, which
// Fit takes as no start, when there is none).
func lastFit(ctx context.Context, wh warehouse.Warehouse) (clv.BGNBDParams, clv.GGParams, error) {
	ok, err := warehouse.TableExists(ctx, wh, "clv_fit")
	if err != nil || !ok {
		return clv.BGNBDParams{}, clv.GGParams{}, err
	}
	q, err := render(wh, "last_fit", clvReads, nil)
	if err != nil {
		return clv.BGNBDParams{}, clv.GGParams{}, err
	}
	recs, err := wh.Query(ctx, q)
	defer warehouse.Release(recs)
	if err != nil {
		return clv.BGNBDParams{}, clv.GGParams{}, fmt.Errorf("read the last clv fit: %w", err)
	}
	if warehouse.NumRows(recs) == 0 {
		return clv.BGNBDParams{}, clv.GGParams{}, nil
	}
	r := recs[0]
	f := func(i int) float64 { return warehouse.FloatAt(r, i, 0) }
	return clv.BGNBDParams{R: f(0), Alpha: f(1), A: f(2), B: f(3)}, clv.GGParams{P: f(4), Q: f(5), Gamma: f(6)}, nil
}
