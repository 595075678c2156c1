// Package clvjob is the job glue of the CLV model: it reads each stitched
// customer's orders from the warehouse as Arrow batches, fits BG/NBD and
// Gamma-Gamma (models/clv), scores every customer and writes the marts
// customer_clv, clv_fit and clv_holdout for the as-of date.
package clvjob

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/clv"
	"github.com/crmkit/crmkit/models/orderscan"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

var registerOnce sync.Once

// Register adds the clv job to the model registry; cmd/crmkit calls it at
// start. Later calls do nothing.
func Register() {
	registerOnce.Do(func() {
		jobs.RegisterModel(JobState, StateJob)
		jobs.RegisterModel("clv", func(cfg *config.Config) *jobs.Job {
			// after customer_state, whose table it reads
			return &jobs.Job{Name: "clv", Group: "models", Partitioned: "month", Run: run,
				Reads: clvReads, Writes: clvWrites}
		})
	})
}

// FitSchema is the schema of the clv_fit mart.
var FitSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "customers", Type: arrow.PrimitiveTypes.Int64},
	{Name: "distinct_triples", Type: arrow.PrimitiveTypes.Int64},
	{Name: "r", Type: arrow.PrimitiveTypes.Float64},
	{Name: "alpha", Type: arrow.PrimitiveTypes.Float64},
	{Name: "a", Type: arrow.PrimitiveTypes.Float64},
	{Name: "b", Type: arrow.PrimitiveTypes.Float64},
	{Name: "loglik", Type: arrow.PrimitiveTypes.Float64},
	{Name: "iterations", Type: arrow.PrimitiveTypes.Int64},
	{Name: "converged", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "gg_p", Type: arrow.PrimitiveTypes.Float64},
	{Name: "gg_q", Type: arrow.PrimitiveTypes.Float64},
	{Name: "gg_gamma", Type: arrow.PrimitiveTypes.Float64},
	{Name: "gg_loglik", Type: arrow.PrimitiveTypes.Float64},
	{Name: "fit_seconds", Type: arrow.PrimitiveTypes.Float64},
	{Name: "score_seconds", Type: arrow.PrimitiveTypes.Float64},
	{Name: "total_clv", Type: arrow.PrimitiveTypes.Float64},
	{Name: "horizon_months", Type: arrow.PrimitiveTypes.Int64},
	{Name: "monthly_discount_rate", Type: arrow.PrimitiveTypes.Float64},
	{Name: "holdout_weeks", Type: arrow.PrimitiveTypes.Float64},
	{Name: "holdout_actual", Type: arrow.PrimitiveTypes.Int64},
	{Name: "holdout_predicted", Type: arrow.PrimitiveTypes.Float64},
}, nil)

// HoldoutSchema is the schema of the clv_holdout mart.
var HoldoutSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "bucket", Type: arrow.BinaryTypes.String},
	{Name: "customers", Type: arrow.PrimitiveTypes.Int64},
	{Name: "actual", Type: arrow.PrimitiveTypes.Int64},
	{Name: "predicted", Type: arrow.PrimitiveTypes.Float64},
}, nil)

// readIDs returns the customer ids of jobs.PurchaseCustomersSQL's batches by number
// (the strings alias the batches).
func readIDs(recs []arrow.RecordBatch) ([]string, error) {
	n := int(warehouse.NumRows(recs))
	ids := make([]string, n)
	seen := make([]bool, n)
	for _, r := range recs {
		if r.NumCols() != 2 || r.Column(0).NullN() > 0 || r.Column(1).NullN() > 0 {
			return nil, fmt.Errorf("customers: unexpected batch %s", r.Schema())
		}
		ixAt, err := orderscan.IntColumn(r, "customer_ix")
		if err != nil {
			return nil, fmt.Errorf("customers: %w", err)
		}
		var idAt func(int) string
		switch c := r.Column(1).(type) {
		case *array.String:
			idAt = c.Value
		case *array.LargeString:
			idAt = c.Value
		default:
			return nil, fmt.Errorf("customers: unexpected column types %s", r.Schema())
		}
		for i := 0; i < int(r.NumRows()); i++ {
			j, _ := ixAt(i)
			if j < 0 || j >= int64(n) || seen[j] {
				return nil, fmt.Errorf("customers: customer_ix %d out of range or repeated", j)
			}
			seen[j] = true
			ids[j] = idAt(i)
		}
	}
	return ids, nil
}

// Figures reported in jobs.Result.Figures (seconds and counts):
//   - summary_seconds: reading the orders and building the per-customer
//     summaries (full period and holdout calibration);
//   - fit_seconds: every fit (BG/NBD and Gamma-Gamma, and the holdout
//     calibration BG/NBD);
//   - score_seconds: scoring every customer;
//   - holdout_seconds: the holdout prediction check (its fit is in
//     fit_seconds; 0 without a holdout);
//   - distinct_triples, customers: the size of the full BG/NBD fit.
const (
	FigSummarySeconds = "summary_seconds"
	FigFitSeconds     = "fit_seconds"
	FigScoreSeconds   = "score_seconds"
	FigHoldoutSeconds = "holdout_seconds"
	FigTriples        = "distinct_triples"
	FigCustomers      = "customers"
)

func run(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	asOf, err := env.ResolveAsOf(ctx)
	if err != nil {
		return jobs.Result{}, err
	}
	c := env.Cfg.Models.CLV
	figs := map[string]float64{FigHoldoutSeconds: 0}
	tSum := time.Now()
	calEnd := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	days := int(c.HoldoutWeeks * 7)
	in, err := summariesFromState(ctx, env, calEnd, days)
	if err != nil {
		return jobs.Result{}, err
	}
	if in.reason != "" {
		env.Log.Info("clv from every purchase", "reason", in.reason)
		if in, err = summariesFromPurchases(ctx, env, asOf, calEnd, days, in.reason); err != nil {
			return jobs.Result{}, err
		}
	}
	sums, hs, rowsIn, readSec := in.sums, in.hs, in.rowsIn, in.readSec
	figs[FigSummarySeconds] = time.Since(tSum).Seconds()
	if len(sums) == 0 {
		return jobs.Result{RowsIn: rowsIn, Message: "no purchases of stitched customers before the as-of date: nothing to fit", Figures: figs}, nil
	}
	fitOpts := clv.FitOptions{}
	warm := "cold start"
	if !env.Full && in.fromState {
		// The last fit's parameters start the next: the data moved by a
		// day, so the optimum is close (models/clv TestFitWarmStartCDNOW:
		// the same optimum as a cold start within 1e-6 relative).
		if fitOpts.Init, fitOpts.GGInit, err = lastFit(ctx, env.WH); err != nil {
			return jobs.Result{}, err
		}
		if fitOpts.Init.Valid() {
			warm = "warm start"
		}
	}
	// The holdout check's fit and the main fit, scoring and write are
	// independent: it runs beside them, so its CPU work overlaps the
	// writes, which wait on the warehouse.
	holdDone := make(chan holdoutResult, 1)
	if len(hs) > 0 {
		go func() { holdDone <- holdoutCheck(hs, days) }()
	} else {
		holdDone <- holdoutResult{}
	}
	model, err := clv.Fit(sums, fitOpts)
	if model != nil {
		env.Log.Debug("clv fit", "params", fmt.Sprintf("%+v %+v conv=%v", model.BGNBD, model.GG, model.Converged))
	}
	if err != nil {
		return jobs.Result{}, fmt.Errorf("fit clv on %d customers: %w", len(sums), err)
	}
	fitSec := model.FitSeconds
	figs[FigTriples] = float64(model.DistinctTriples)
	figs[FigCustomers] = float64(model.Customers)
	t0 := time.Now()
	opts := clv.ScoreOptions{HorizonMonths: c.HorizonMonths, MonthlyDiscountRate: c.MonthlyDiscountRate}
	scored, err := model.ScoreRecords(memory.DefaultAllocator, sums, opts)
	if err != nil {
		return jobs.Result{}, fmt.Errorf("score clv: %w", err)
	}
	defer scored.Release()
	scoreSec := time.Since(t0).Seconds()
	figs[FigScoreSeconds] = scoreSec
	total := 0.0
	clvCol := scored.Column(scored.Schema().FieldIndices("clv")[0]).(*array.Float64)
	for i := 0; i < clvCol.Len(); i++ {
		if v := clvCol.Value(i); v == v {
			total += v
		}
	}
	out := jobs.WithAsOf(memory.DefaultAllocator, scored, asOf)
	defer out.Release()
	if err := jobs.WriteMart(ctx, env.WH, "customer_clv", asOf, out.Schema(), []arrow.RecordBatch{out}); err != nil {
		return jobs.Result{}, err
	}

	h := <-holdDone
	if h.panic != nil {
		return jobs.Result{}, fmt.Errorf("clv holdout check: panic: %v", h.panic)
	}
	hold, holdFitSec, holdEvals := h.rep, h.fitSec, h.evals
	fitSec += holdFitSec
	if len(hs) > 0 {
		figs[FigHoldoutSeconds] = h.checkSec
	}
	figs[FigFitSeconds] = fitSec
	mem := memory.DefaultAllocator
	fb := array.NewRecordBuilder(mem, FitSchema)
	defer fb.Release()
	d := arrow.Date32FromTime(calEnd)
	fb.Field(0).(*array.Date32Builder).Append(d)
	fb.Field(1).(*array.Int64Builder).Append(int64(model.Customers))
	fb.Field(2).(*array.Int64Builder).Append(int64(model.DistinctTriples))
	for i, v := range []float64{model.BGNBD.R, model.BGNBD.Alpha, model.BGNBD.A, model.BGNBD.B, model.LogLik} {
		fb.Field(3 + i).(*array.Float64Builder).Append(v)
	}
	fb.Field(8).(*array.Int64Builder).Append(int64(model.Iterations))
	fb.Field(9).(*array.BooleanBuilder).Append(model.Converged)
	for i, v := range []float64{model.GG.P, model.GG.Q, model.GG.Gamma, model.GGLogLik, model.FitSeconds, scoreSec, total} {
		fb.Field(10 + i).(*array.Float64Builder).Append(v)
	}
	fb.Field(17).(*array.Int64Builder).Append(int64(c.HorizonMonths))
	fb.Field(18).(*array.Float64Builder).Append(c.MonthlyDiscountRate)
	hb := array.NewRecordBuilder(mem, HoldoutSchema)
	defer hb.Release()
	if hold != nil {
		fb.Field(19).(*array.Float64Builder).Append(hold.Weeks)
		fb.Field(20).(*array.Int64Builder).Append(int64(hold.Actual))
		fb.Field(21).(*array.Float64Builder).Append(hold.Predicted)
		for _, bk := range hold.Buckets {
			hb.Field(0).(*array.Date32Builder).Append(d)
			hb.Field(1).(*array.StringBuilder).Append(bk.Label)
			hb.Field(2).(*array.Int64Builder).Append(int64(bk.Customers))
			hb.Field(3).(*array.Int64Builder).Append(int64(bk.Actual))
			hb.Field(4).(*array.Float64Builder).Append(bk.Predicted)
		}
	} else {
		for i := 19; i <= 21; i++ {
			fb.Field(i).AppendNull()
		}
	}
	fit := fb.NewRecordBatch()
	defer fit.Release()
	if err := jobs.WriteMart(ctx, env.WH, "clv_fit", asOf, FitSchema, []arrow.RecordBatch{fit}); err != nil {
		return jobs.Result{}, err
	}
	hr := hb.NewRecordBatch()
	defer hr.Release()
	if err := jobs.WriteMart(ctx, env.WH, "clv_holdout", asOf, HoldoutSchema, []arrow.RecordBatch{hr}); err != nil {
		return jobs.Result{}, err
	}
	msg := fmt.Sprintf("BG/NBD r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.2f on %d customers (%d distinct triples, %d evaluations, %s), summary %.2fs from %s (read %.2fs), fit %.2fs, score %.2fs; total CLV %.0f",
		model.BGNBD.R, model.BGNBD.Alpha, model.BGNBD.A, model.BGNBD.B, model.LogLik, model.Customers, model.DistinctTriples, model.Evaluations, warm,
		figs[FigSummarySeconds], in.source, readSec, model.FitSeconds, scoreSec, total)
	if hold != nil {
		msg += fmt.Sprintf("; holdout %.0f weeks: predicted %.0f vs actual %d repeat purchases (fit %.2fs, %d evaluations; check %.2fs)",
			hold.Weeks, hold.Predicted, hold.Actual, holdFitSec, holdEvals, figs[FigHoldoutSeconds])
	}
	return jobs.Result{RowsIn: rowsIn, RowsOut: scored.NumRows(), Message: msg, Figures: figs}, nil
}

// holdoutResult is the holdout check's outcome: its report (nil when its
// fit or check failed: the marts then record no holdout), the seconds of
// its fit and check, the fit's evaluations, and a panic recovered.
type holdoutResult struct {
	rep              *clv.HoldoutReport
	fitSec, checkSec float64
	evals            int
	panic            any
}

// holdoutCheck refits the BG/NBD on the calibration part (hs) and compares
// predicted and actual repeat purchases in the holdout's days. It runs on
// its own goroutine, so a panic is returned, not raised.
func holdoutCheck(hs []clv.Summary, days int) (r holdoutResult) {
	defer func() {
		if p := recover(); p != nil {
			r = holdoutResult{panic: p}
		}
	}()
	tf := time.Now()
	hm, err := clv.Fit(hs, clv.FitOptions{SkipGammaGamma: true})
	r.fitSec = time.Since(tf).Seconds()
	if err != nil {
		return r
	}
	r.evals = hm.Evaluations
	th := time.Now()
	if rep, err := clv.HoldoutCheck(hm, hs, float64(days)/7); err == nil {
		r.rep = &rep
	}
	r.checkSec = time.Since(th).Seconds()
	return r
}
