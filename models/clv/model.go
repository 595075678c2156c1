package clv

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DaysPerMonth is the average month length used by Score for the CLV
// horizon (365.25/12).
const DaysPerMonth = 30.4375

// Model is a fitted BG/NBD purchase model with a Gamma-Gamma spend model.
type Model struct {
	// BGNBD are the BG/NBD parameters (time unit: that of the summaries,
	// weeks for summaries built by this package).
	BGNBD BGNBDParams
	// GG are the Gamma-Gamma parameters (zero when skipped).
	GG GGParams
	// LogLik is the maximised BG/NBD log-likelihood.
	LogLik float64
	// GGLogLik is the maximised Gamma-Gamma log-likelihood (0 when skipped).
	GGLogLik float64
	// Iterations is the number of optimiser major iterations of the BG/NBD
	// fit; GGIterations that of the Gamma-Gamma fit.
	Iterations, GGIterations int
	// Evaluations is the number of BG/NBD log-likelihood evaluations (each
	// with its gradient, or by Nelder-Mead without).
	Evaluations int
	// DistinctTriples is the number of distinct (x, t_x, T) in the data, the
	// size of the BG/NBD likelihood.
	DistinctTriples int
	// Customers is the number of customers in the BG/NBD fit; GGCustomers the
	// number in the Gamma-Gamma fit (x > 0 and positive mean spend).
	Customers, GGCustomers int
	// Converged and GGConverged report whether each fit met its gradient
	// tolerance (see BGNBDFit.Converged).
	Converged, GGConverged bool
	// FitSeconds is the wall time of Fit.
	FitSeconds float64
}

// Fit fits the BG/NBD model (FitBGNBD) and, unless opts.SkipGammaGamma, the
// Gamma-Gamma model (FitGammaGamma) to the summaries. It fails (wrapping
// ErrInvalidSummary, ErrNoData or ErrFitFailed) when either fit fails, or
// when the fitted Gamma-Gamma q is at most 1 (no finite mean spend).
func Fit(sums []Summary, opts FitOptions) (*Model, error) {
	start := time.Now()
	bg, err := FitBGNBD(sums, opts)
	if err != nil {
		return nil, err
	}
	m := &Model{
		BGNBD:           bg.Params,
		LogLik:          bg.LogLik,
		Iterations:      bg.Iterations,
		Evaluations:     bg.Evaluations,
		DistinctTriples: bg.DistinctTriples,
		Customers:       bg.Customers,
		Converged:       bg.Converged,
	}
	if !opts.SkipGammaGamma {
		gg, err := FitGammaGamma(sums, opts)
		if err != nil {
			return nil, err
		}
		if gg.Params.Q <= 1 {
			return nil, fmt.Errorf("clv: gamma-gamma q=%.4g <= 1, mean spend is infinite: %w", gg.Params.Q, ErrFitFailed)
		}
		m.GG, m.GGLogLik, m.GGIterations, m.GGCustomers = gg.Params, gg.LogLik, gg.Iterations, gg.Customers
		m.GGConverged = gg.Converged
	}
	m.FitSeconds = elapsed(start)
	return m, nil
}

// ScoreOptions control Score.
type ScoreOptions struct {
	// PeriodsPerWeek is the number of model time units in one week: 1 (the
	// default when 0) for summaries in weeks, as built by this package.
	PeriodsPerWeek float64
	// HorizonMonths is the CLV horizon in months of DaysPerMonth days
	// (default 12 when 0).
	HorizonMonths int
	// MonthlyDiscountRate d discounts month m's value by (1+d)^m; 0 means no
	// discounting. It must be greater than -1.
	MonthlyDiscountRate float64
	// Workers bounds the goroutines used (default GOMAXPROCS).
	Workers int
}

func (o ScoreOptions) withDefaults() (ScoreOptions, error) {
	if o.PeriodsPerWeek == 0 {
		o.PeriodsPerWeek = 1
	}
	if o.HorizonMonths == 0 {
		o.HorizonMonths = 12
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if !(o.PeriodsPerWeek > 0) || math.IsInf(o.PeriodsPerWeek, 0) || o.HorizonMonths < 0 ||
		!(o.MonthlyDiscountRate > -1) || math.IsInf(o.MonthlyDiscountRate, 0) {
		return o, fmt.Errorf("clv: score options %+v: %w", o, ErrInvalidParams)
	}
	return o, nil
}

// Score is the scoring of one customer.
type Score struct {
	// ID, X, TX, T and MeanSpend are copied from the Summary.
	ID        string
	X         int
	TX, T     float64
	MeanSpend float64
	// PAlive is P(alive | x, t_x, T).
	PAlive float64
	// ExpPurchases90d and ExpPurchases365d are E[Y(t) | x, t_x, T] for t of
	// 90 and 365 days (days/7 weeks).
	ExpPurchases90d, ExpPurchases365d float64
	// ExpOrderValue is the Gamma-Gamma E[M | x, zbar=MeanSpend] (NaN when
	// the model has no Gamma-Gamma part).
	ExpOrderValue float64
	// CLV is Σ_{m=1..H} (E[Y(m·DaysPerMonth days)] − E[Y((m−1)·DaysPerMonth
	// days)]) · ExpOrderValue / (1+d)^m, all expectations conditional on
	// (x, t_x, T).
	CLV float64
	// Decile is 1 for the top 10% of customers by CLV, ..., 10 for the
	// bottom 10% (rank i of n, 0-based, gets 1 + 10i/n); ties in CLV are
	// ordered by ID, then by input position, and NaN CLVs rank last.
	Decile int
}

// xtKey identifies the customers sharing the t_x-independent part of the
// conditional expectation.
type xtKey struct {
	x int
	T float64
}

// aliveTable holds aliveExpectation(t_j, x, T) for every distinct (x, T) of
// the customers and every time t_j.
type aliveTable struct {
	keyOf []int32   // per customer: index of its (x, T)
	vals  []float64 // per key: len(times) values
	n     int       // len(times)
}

// buildAliveTable validates the summaries, finds their distinct (x, T) and
// evaluates aliveExpectation at each time for each of them, in parallel.
func (p BGNBDParams) buildAliveTable(sums []Summary, times []float64, workers int) (*aliveTable, error) {
	tab := &aliveTable{keyOf: make([]int32, len(sums)), n: len(times)}
	idx := make(map[xtKey]int32, 1024)
	var keys []xtKey
	for i := range sums {
		s := &sums[i]
		if err := validSummary(s); err != nil {
			return nil, err
		}
		k := xtKey{s.X, s.T}
		j, ok := idx[k]
		if !ok {
			j = int32(len(keys))
			idx[k] = j
			keys = append(keys, k)
		}
		tab.keyOf[i] = j
	}
	tab.vals = make([]float64, len(keys)*len(times))
	err := parallel(len(keys), workers, func(lo, hi int) error {
		for j := lo; j < hi; j++ {
			k := keys[j]
			for ti, t := range times {
				v, err := p.aliveExpectation(t, k.x, k.T)
				if err != nil {
					return err
				}
				tab.vals[j*len(times)+ti] = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tab, nil
}

// row returns the cached values of customer i.
func (t *aliveTable) row(i int) []float64 {
	k := int(t.keyOf[i])
	return t.vals[k*t.n : (k+1)*t.n]
}

// parallel runs fn over [0, n) split in contiguous chunks on up to workers
// goroutines and returns the first error.
func parallel(n, workers int, fn func(lo, hi int) error) error {
	if n == 0 {
		return nil
	}
	chunks := workers * 4
	if n < 4096 || workers <= 1 {
		chunks = 1
	}
	size := (n + chunks - 1) / chunks
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, max(workers, 1))
	)
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(lo, hi); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// Score scores every customer: P(alive), expected purchases in the next 90
// and 365 days, Gamma-Gamma expected order value, discounted CLV over
// opts.HorizonMonths months and the CLV decile (see Score's fields for the
// definitions). Results are in the order of sums. The t_x-independent part
// of the conditional expectations (the 2F1 series) is computed once per
// distinct (x, T) and the work is spread over opts.Workers goroutines. It
// fails, wrapping ErrInvalidSummary, ErrInvalidParams or ErrSeriesDiverged,
// on invalid input.
func (m *Model) Score(sums []Summary, opts ScoreOptions) ([]Score, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	p := m.BGNBD
	if !p.Valid() {
		return nil, fmt.Errorf("clv: bg/nbd %+v: %w", p, ErrInvalidParams)
	}
	H := opts.HorizonMonths
	wk := opts.PeriodsPerWeek / 7 // model units per day
	// times: 90 days, 365 days, then the end of each month 1..H.
	times := make([]float64, 2+H)
	times[0], times[1] = 90*wk, 365*wk
	for mo := 1; mo <= H; mo++ {
		times[1+mo] = float64(mo) * DaysPerMonth * wk
	}
	disc := make([]float64, H+1)
	for mo := 1; mo <= H; mo++ {
		disc[mo] = math.Pow(1+opts.MonthlyDiscountRate, -float64(mo))
	}
	tab, err := p.buildAliveTable(sums, times, opts.Workers)
	if err != nil {
		return nil, err
	}
	hasGG := m.GG.Valid()
	out := make([]Score, len(sums))
	_ = parallel(len(sums), opts.Workers, func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			s := &sums[i]
			v := tab.row(i)
			pa := p.PAlive(s.X, s.TX, s.T)
			eov := math.NaN()
			if hasGG {
				eov = m.GG.ConditionalMean(s.X, s.MeanSpend)
			}
			var sum, prev float64
			for mo := 1; mo <= H; mo++ {
				cur := v[1+mo]
				sum += (cur - prev) * disc[mo]
				prev = cur
			}
			out[i] = Score{
				ID: s.ID, X: s.X, TX: s.TX, T: s.T, MeanSpend: s.MeanSpend,
				PAlive:           pa,
				ExpPurchases90d:  pa * v[0],
				ExpPurchases365d: pa * v[1],
				ExpOrderValue:    eov,
				CLV:              pa * sum * eov,
			}
		}
		return nil
	})
	assignDeciles(out)
	return out, nil
}

// assignDeciles sets Decile by descending CLV (NaN last), ties by ID then
// position.
func assignDeciles(sc []Score) {
	n := len(sc)
	type rankKey struct {
		v   float64 // -CLV, +Inf for NaN: ascending order is the ranking
		nan bool
		i   int32
	}
	keys := make([]rankKey, n)
	for i := range sc {
		v := sc[i].CLV
		keys[i] = rankKey{v: -v, i: int32(i)}
		if math.IsNaN(v) {
			keys[i] = rankKey{v: math.Inf(1), nan: true, i: int32(i)}
		}
	}
	slices.SortFunc(keys, func(a, b rankKey) int {
		if a.nan != b.nan {
			if a.nan {
				return 1
			}
			return -1
		}
		if a.v != b.v {
			if a.v < b.v {
				return -1
			}
			return 1
		}
		if c := strings.Compare(sc[a.i].ID, sc[b.i].ID); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	for rank, k := range keys {
		sc[k.i].Decile = 1 + int(int64(rank)*10/int64(n))
	}
}

// ScoreSchema is the schema of the record batch returned by ScoreRecords.
var ScoreSchema = arrow.NewSchema([]arrow.Field{
	{Name: "customer_id", Type: arrow.BinaryTypes.String},
	{Name: "x", Type: arrow.PrimitiveTypes.Int64},
	{Name: "t_x", Type: arrow.PrimitiveTypes.Float64},
	{Name: "T", Type: arrow.PrimitiveTypes.Float64},
	{Name: "mean_spend", Type: arrow.PrimitiveTypes.Float64},
	{Name: "p_alive", Type: arrow.PrimitiveTypes.Float64},
	{Name: "exp_purchases_90d", Type: arrow.PrimitiveTypes.Float64},
	{Name: "exp_purchases_365d", Type: arrow.PrimitiveTypes.Float64},
	{Name: "exp_order_value", Type: arrow.PrimitiveTypes.Float64},
	{Name: "clv", Type: arrow.PrimitiveTypes.Float64},
	{Name: "clv_decile", Type: arrow.PrimitiveTypes.Int32},
}, nil)

// ScoreRecords is Score returning one Arrow record batch with schema
// ScoreSchema (one row per summary, in input order; t_x and T in model time
// units). mem allocates the batch (memory.DefaultAllocator when nil); the
// caller must Release it.
func (m *Model) ScoreRecords(mem memory.Allocator, sums []Summary, opts ScoreOptions) (arrow.RecordBatch, error) {
	sc, err := m.Score(sums, opts)
	if err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewRecordBuilder(mem, ScoreSchema)
	defer b.Release()
	b.Reserve(len(sc))
	id := b.Field(0).(*array.StringBuilder)
	x := b.Field(1).(*array.Int64Builder)
	f := func(i int) *array.Float64Builder { return b.Field(i).(*array.Float64Builder) }
	tx, T, ms, pa, e90, e365, eov, clv := f(2), f(3), f(4), f(5), f(6), f(7), f(8), f(9)
	dec := b.Field(10).(*array.Int32Builder)
	for i := range sc {
		s := &sc[i]
		id.Append(s.ID)
		x.Append(int64(s.X))
		tx.Append(s.TX)
		T.Append(s.T)
		ms.Append(s.MeanSpend)
		pa.Append(s.PAlive)
		e90.Append(s.ExpPurchases90d)
		e365.Append(s.ExpPurchases365d)
		eov.Append(s.ExpOrderValue)
		clv.Append(s.CLV)
		dec.Append(int32(s.Decile))
	}
	return b.NewRecordBatch(), nil
}

// HoldoutBucket is one row of a HoldoutReport: the customers whose
// calibration X is in [MinX, MaxX] (MaxX < 0: no upper bound).
type HoldoutBucket struct {
	// Label is "0", "1", ..., "7+".
	Label string
	// MinX and MaxX bound the calibration x of the bucket (MaxX -1: open).
	MinX, MaxX int
	// Customers is the number of customers in the bucket.
	Customers int
	// Actual is the sum of XHoldout; Predicted the sum of E[Y(holdout)|x,t_x,T].
	Actual    int
	Predicted float64
}

// HoldoutReport compares predicted and actual purchases in a holdout period.
type HoldoutReport struct {
	// Weeks is the holdout length in model time units.
	Weeks float64
	// Customers is the number of summaries checked.
	Customers int
	// Actual is the total of Summary.XHoldout, Predicted the total of the
	// conditional expectations.
	Actual    int
	Predicted float64
	// Buckets break the totals down by calibration x: 0, 1, ..., 6, 7+.
	Buckets []HoldoutBucket
}

// Table renders the report as a fixed-width text table.
func (r HoldoutReport) Table() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-5s %9s %9s %10s %9s %9s\n", "x", "customers", "actual", "predicted", "act/cust", "pred/cust")
	row := func(label string, n, act int, pred float64) {
		fmt.Fprintf(&sb, "%-5s %9d %9d %10.1f %9.3f %9.3f\n", label, n, act, pred,
			float64(act)/math.Max(float64(n), 1), pred/math.Max(float64(n), 1))
	}
	for _, b := range r.Buckets {
		row(b.Label, b.Customers, b.Actual, b.Predicted)
	}
	row("total", r.Customers, r.Actual, r.Predicted)
	return sb.String()
}

// HoldoutCheck predicts each customer's purchases in a holdout period of
// holdoutWeeks model time units following the calibration period
// (E[Y(holdoutWeeks) | x, t_x, T]) and compares them with Summary.XHoldout,
// in total and by calibration x (0..6 and 7+). It fails on an invalid model,
// summary or holdout length.
func HoldoutCheck(m *Model, sums []Summary, holdoutWeeks float64) (HoldoutReport, error) {
	if m == nil || !m.BGNBD.Valid() || !(holdoutWeeks >= 0) || math.IsInf(holdoutWeeks, 0) {
		return HoldoutReport{}, fmt.Errorf("clv: holdout check of %v weeks: %w", holdoutWeeks, ErrInvalidParams)
	}
	p := m.BGNBD
	tab, err := p.buildAliveTable(sums, []float64{holdoutWeeks}, runtime.GOMAXPROCS(0))
	if err != nil {
		return HoldoutReport{}, err
	}
	const open = 7
	r := HoldoutReport{Weeks: holdoutWeeks, Customers: len(sums), Buckets: make([]HoldoutBucket, open+1)}
	for i := range r.Buckets {
		r.Buckets[i] = HoldoutBucket{Label: fmt.Sprint(i), MinX: i, MaxX: i}
	}
	r.Buckets[open].Label, r.Buckets[open].MaxX = fmt.Sprintf("%d+", open), -1
	for i := range sums {
		s := &sums[i]
		pred := tab.row(i)[0] * p.PAlive(s.X, s.TX, s.T)
		b := &r.Buckets[min(s.X, open)]
		b.Customers++
		b.Actual += s.XHoldout
		b.Predicted += pred
		r.Actual += s.XHoldout
		r.Predicted += pred
	}
	return r, nil
}
