package valuejobs

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/rfm"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The rfm job scores from the per-customer state when it can: recency is
// the as-of day minus customer_state's last purchase day (the state counts
// the same purchases, jobs.PurchasePredicate with models.clv.min_amount),
// frequency and monetary one aggregate over the purchases in the window,
// so the job reads one row per customer instead of every purchase. It
// reads every purchase (the reference path) on run --full, on warehouses
// without cheap keyed updates (BigQuery, where customer_state is rebuilt
// whole), and when the state does not describe the purchases up to the
// as-of day; rfmStateReason says why.

// rfmStateTables are the state tables the rfm job reads besides orders.
var rfmStateTables = []string{"customer_state", "customer_state_meta", "customer_changes"}

// rfmStateReason returns "" when customer_state describes exactly the
// purchases up to the as-of day asOfDay (days since 1970-01-01), else why
// not.
func rfmStateReason(ctx context.Context, env *jobs.Env, asOfDay int32) (string, error) {
	if env.Full {
		return "run --full", nil
	}
	if !warehouse.CapabilitiesOf(env.WH.Dialect()).IncrementalUpdates {
		return "this warehouse rebuilds customer_state whole", nil
	}
	for _, t := range rfmStateTables {
		ok, err := warehouse.TableExists(ctx, env.WH, t)
		if err != nil {
			return "", fmt.Errorf("look up %s: %w", t, err)
		}
		if !ok {
			return "no " + t + " yet", nil
		}
	}
	var (
		minAmount float64
		zone      string
		newest    *time.Time
		pending   int64
	)
	err := env.WH.QueryRow(ctx, valueStatement(warehouse.SQLOf(env.WH.Dialect()), "rfm_state_meta", nil), nil, &minAmount, &zone, &newest, &pending)
	if err != nil {
		return "", fmt.Errorf("read customer_state_meta: %w", err)
	}
	zoneWant := "UTC"
	if env.Cfg.Location != nil {
		zoneWant = env.Cfg.Location.String()
	}
	switch {
	case minAmount != env.Cfg.Models.CLV.MinAmount:
		return fmt.Sprintf("customer_state was built with min_amount %v, the config says %v", minAmount, env.Cfg.Models.CLV.MinAmount), nil
	case zone != zoneWant:
		return fmt.Sprintf("customer_state's days are in %s, the config's time zone is %s", zone, zoneWant), nil
	case pending > 0:
		return fmt.Sprintf("customer_state has %d changes of core to take in", pending), nil
	case newest != nil && int32(newest.Unix()/86400) > asOfDay:
		return fmt.Sprintf("customer_state has purchases after the as-of day (up to %s)", newest.Format(time.DateOnly)), nil
	}
	return "", nil
}

// rfmSummariesSQL reads rfm.Summaries, in no particular order: every
// customer of customer_state with their last purchase day, and their
// purchases in [window start, end of the as-of day) (the two parameters).
func rfmSummariesSQL(minAmount float64) string {
	return valueStatement(warehouse.SQLOf(nil), "rfm_summaries", struct{ Purchase string }{jobs.PurchasePredicate(minAmount)})
}

// readSummaries runs rfmSummariesSQL.
func readSummaries(ctx context.Context, env *jobs.Env, start, end string) (rfm.Summaries, int64, error) {
	var s rfm.Summaries
	recs, err := env.WH.Query(ctx, rfmSummariesSQL(env.Cfg.Models.CLV.MinAmount), start, end)
	defer warehouse.Release(recs)
	if err != nil {
		return s, 0, fmt.Errorf("read rfm summaries from customer_state: %w", err)
	}
	n := warehouse.NumRows(recs)
	s.CustomerID = make([]string, 0, n)
	s.LastDay = make([]int32, 0, n)
	s.Frequency = make([]int64, 0, n)
	s.Monetary = make([]float64, 0, n)
	for _, r := range recs {
		last, ok1 := r.Column(1).(*array.Date32)
		freq, ok2 := r.Column(2).(*array.Int64)
		mon, ok3 := r.Column(3).(*array.Float64)
		if !ok1 || !ok2 || !ok3 {
			return s, 0, fmt.Errorf("rfm summaries: unexpected batch %s", r.Schema())
		}
		for i := 0; i < int(r.NumRows()); i++ {
			if r.Column(0).IsNull(i) || last.IsNull(i) {
				return s, 0, fmt.Errorf("customer_state row %d: NULL customer_id or last_day", i)
			}
			s.CustomerID = append(s.CustomerID, warehouse.StringAt(r, 0, i))
			s.LastDay = append(s.LastDay, int32(last.Value(i)))
			s.Frequency = append(s.Frequency, freq.Value(i))
			s.Monetary = append(s.Monetary, mon.Value(i))
		}
	}
	return s, n, nil
}

// runRFMFromState scores from customer_state; ok is false (with the
// reason) when the job must read every purchase instead.
func runRFMFromState(ctx context.Context, env *jobs.Env, asOf time.Time, end string) (res jobs.Result, ok bool, reason string, err error) {
	y, m, d := asOf.Date()
	asOfDay := int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	if reason, err = rfmStateReason(ctx, env, asOfDay); err != nil || reason != "" {
		return res, false, reason, err
	}
	t0 := time.Now()
	start := time.Date(y, m, d+1-rfm.DefaultWindowDays, 0, 0, 0, 0, asOf.Location()).Format(time.RFC3339)
	sum, rows, err := readSummaries(ctx, env, start, end)
	if err != nil {
		return res, false, "", err
	}
	readSec := time.Since(t0).Seconds()
	t1 := time.Now()
	c := env.Cfg.Models.RFM
	out, err := rfm.ComputeSummaries(sum, rfm.Options{AsOf: asOf, Location: asOf.Location(),
		HighValueMin: c.HighValueMin, DormantRecencyMax: c.DormantRecencyMax})
	if err != nil {
		return res, false, "", err
	}
	modelSec := time.Since(t1).Seconds()
	recs := out.Record(nil, asOf, 1<<17)
	defer warehouse.Release(recs)
	if err := jobs.WriteMart(ctx, env.WH, MartRFM, asOf, rfm.MartSchema, []arrow.RecordBatch(recs)); err != nil {
		return res, false, "", err
	}
	tc := out.TierCounts()
	return jobs.Result{
		RowsIn: rows, RowsOut: int64(out.Len()),
		Message: fmt.Sprintf("as of %s: %d customers scored from customer_state (dormant %d, active %d, high_value %d), frequency/monetary window %d days from %s; read %.2fs, model %.2fs",
			asOf.Format(time.DateOnly), out.Len(), tc[rfm.Dormant], tc[rfm.Active], tc[rfm.HighValue], rfm.DefaultWindowDays,
			out.WindowStart.Format(time.DateOnly), readSec, modelSec),
	}, true, "", nil
}
