// Package rfm scores customers on recency, frequency and monetary value and
// places them in the three management tiers: dormant (reactivate), active
// (maintain) and high value (deepen).
//
// The package is pure: it reads Arrow record batches and returns Go values
// (and, for the mart, an Arrow record batch); it touches no warehouse.
//
// # Inputs
//
// Orders: one row per order (a distinct (channel, order_id)) with
//
//	customer_ix  int32 or int64   dense customer index
//	order_ts     timestamp (any unit; the instant, whatever the column's zone)
//	net_amount   float64          paid − refunded
//
// Customers: customer_ix and customer_id (string), one row per index.
//
// # Measures
//
// A purchase is an order with non-null fields and order_ts before the end
// of the as-of day (AsOf + 1 day in Options.Location). The model does not
// filter on the amount: the caller decides what a purchase is (the job
// passes the shared purchase rule, jobs.PurchasePredicate, so a $0.00
// purchase is scored, counts in frequency and adds 0 to monetary). Every customer
// with at least one purchase is scored, however long ago it was, so the
// dormant tier holds the customers to win back.
//
//   - recency_days: calendar days (in Location) from the day of the last
//     purchase to the as-of day; 0 = bought on the as-of day.
//   - frequency: the number of purchases (distinct orders) in the window,
//     the WindowDays days ending with the as-of day (default 365: the as-of
//     day and the 364 days before it). Customers whose purchases are all
//     older have frequency 0.
//   - monetary: the net sales (sum of net_amount) of those purchases,
//     rounded to cents; the rounding makes equal spends tie exactly.
//
// # Quintile scores and ties
//
// Each measure is turned into a score 1..5, 5 best (most recent, most
// frequent, highest spend), by Quintiles on the value oriented so that
// higher is better (recency is negated). A customer's score is
//
//	score = 1 + ⌊5 · L / N⌋
//
// where N is the number of scored customers and L the number of them with a
// strictly worse value. Tied customers therefore always share a score, the
// one of the lowest position of their tie group (ties share the lower
// bucket), and the result does not depend on input order. It equals
// SQL's 1 + floor(5 * (rank() OVER (ORDER BY v) - 1) / count(*) OVER ()).
// With heavy ties some scores go unused: if 60 % of customers bought once,
// they all get F = 1 and the next frequency starts at 1 + ⌊5·0.6⌋ = 4.
//
// # Tiers
//
// rfm_score = R + F + M (3..15). Tier: R <= DormantRecencyMax → dormant
// (action reactivate); else rfm_score >= HighValueMin → high_value (action
// deepen); else active (action maintain).
package rfm

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Input column names.
const (
	// ColCustomer is the dense customer index column of both inputs.
	ColCustomer = "customer_ix"
	// ColCustomerID is the customer id column of the customers input.
	ColCustomerID = "customer_id"
	// ColOrderTS is the order time column of the orders input.
	ColOrderTS = "order_ts"
	// ColNetAmount is the net amount column of the orders input.
	ColNetAmount = "net_amount"
)

// Defaults used when an Options field is zero.
const (
	// DefaultWindowDays is the frequency / monetary window.
	DefaultWindowDays = 365
	// DefaultHighValueMin is the lowest rfm_score of the high value tier.
	DefaultHighValueMin = 12
	// DefaultDormantRecencyMax is the highest R score of the dormant tier.
	DefaultDormantRecencyMax = 2
)

// Tier is a management tier.
type Tier string

// The three tiers.
const (
	// Dormant customers are to be reactivated.
	Dormant Tier = "dormant"
	// Active customers are to be maintained.
	Active Tier = "active"
	// HighValue customers are to be deepened.
	HighValue Tier = "high_value"
)

// Action is what marketing does with the tier: reactivate, maintain or
// deepen.
func (t Tier) Action() string {
	switch t {
	case Dormant:
		return "reactivate"
	case HighValue:
		return "deepen"
	case Active:
		return "maintain"
	}
	return ""
}

// Errors returned by Compute (wrapped).
var (
	// ErrBadColumn: a column is missing or has an unsupported type.
	ErrBadColumn = errors.New("rfm: bad column")
	// ErrBadCustomer: a customer index is negative, duplicated, or absent
	// from the customers input.
	ErrBadCustomer = errors.New("rfm: bad customer index")
	// ErrBadOptions: the options are unusable.
	ErrBadOptions = errors.New("rfm: bad options")
)

// Options configures Compute; zero fields take the defaults.
type Options struct {
	// AsOf is the as-of day (its calendar date in Location).
	AsOf time.Time
	// Location is the business time zone (nil: UTC).
	Location *time.Location
	// WindowDays is the frequency / monetary window in days.
	WindowDays int
	// HighValueMin is the lowest rfm_score (3..15) of the high value tier.
	HighValueMin int
	// DormantRecencyMax is the highest R score (1..5) of the dormant tier.
	DormantRecencyMax int
}

func (o Options) withDefaults() (Options, error) {
	if o.AsOf.IsZero() {
		return o, fmt.Errorf("as-of date is required: %w", ErrBadOptions)
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.WindowDays == 0 {
		o.WindowDays = DefaultWindowDays
	}
	if o.HighValueMin == 0 {
		o.HighValueMin = DefaultHighValueMin
	}
	if o.DormantRecencyMax == 0 {
		o.DormantRecencyMax = DefaultDormantRecencyMax
	}
	if o.WindowDays < 1 || o.HighValueMin < 3 || o.HighValueMin > 15 || o.DormantRecencyMax < 1 || o.DormantRecencyMax > 5 {
		return o, fmt.Errorf("window %d days, high value min %d (3..15), dormant recency max %d (1..5): %w",
			o.WindowDays, o.HighValueMin, o.DormantRecencyMax, ErrBadOptions)
	}
	return o, nil
}

// TierOf applies the tier rule to an R score and an R+F+M score.
func TierOf(r, rfmScore, highValueMin, dormantRecencyMax int) Tier {
	switch {
	case r <= dormantRecencyMax:
		return Dormant
	case rfmScore >= highValueMin:
		return HighValue
	}
	return Active
}

// Score is one customer's row.
type Score struct {
	// CustomerID is the stitched customer id.
	CustomerID string
	// RecencyDays is the number of days from the last purchase to the as-of day.
	RecencyDays int32
	// Frequency is the number of purchases in the window.
	Frequency int64
	// Monetary is the net sales in the window, rounded to cents.
	Monetary float64
	// R, F and M are the quintile scores 1..5 (5 best).
	R, F, M int8
	// Tier is the management tier.
	Tier Tier
}

// RFM is R + F + M.
func (s Score) RFM() int { return int(s.R) + int(s.F) + int(s.M) }

// Result holds the scored customers in customer_ix order, column-wise.
type Result struct {
	// CustomerID .. Tier are the columns of the scored customers (see Score).
	CustomerID  []string
	RecencyDays []int32
	Frequency   []int64
	Monetary    []float64
	R, F, M     []int8
	Tier        []Tier
	// Orders is the number of order rows read; Purchases those counted
	// (before the end of the as-of day). AfterAsOf and Null count the rows
	// left out.
	Orders, Purchases, AfterAsOf, Null int64
	// WindowStart is the first instant of the frequency / monetary window.
	WindowStart time.Time
}

// Len is the number of scored customers.
func (r *Result) Len() int { return len(r.CustomerID) }

// Row returns customer i.
func (r *Result) Row(i int) Score {
	return Score{r.CustomerID[i], r.RecencyDays[i], r.Frequency[i], r.Monetary[i], r.R[i], r.F[i], r.M[i], r.Tier[i]}
}

// TierCounts counts the customers per tier.
func (r *Result) TierCounts() map[Tier]int {
	out := map[Tier]int{Dormant: 0, Active: 0, HighValue: 0}
	for _, t := range r.Tier {
		out[t]++
	}
	return out
}

// Quintiles scores values 1..5, 5 for the highest, with ties sharing the
// lower bucket: score = 1 + ⌊5·L/N⌋, L the number of values strictly
// below (see the package comment). NaN values are not allowed.
func Quintiles(values []float64) []int8 {
	n := len(values)
	out := make([]int8, n)
	if n == 0 {
		return out
	}
	score := func(below int) int8 { return int8(1 + 5*below/n) }
	lo, hi, integral := values[0], values[0], true
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
		integral = integral && v == math.Trunc(v)
	}
	if integral && hi-lo < float64(4*n+1024) {
		// Small integer range (recency days, order counts): counting sort.
		below := make([]int, int(hi-lo)+1)
		for _, v := range values {
			below[int(v-lo)]++
		}
		acc := 0
		for j, c := range below {
			below[j] = acc
			acc += c
		}
		for i, v := range values {
			out[i] = score(below[int(v-lo)])
		}
		return out
	}
	type pos struct {
		v float64
		i int32
	}
	sorted := make([]pos, n)
	for i, v := range values {
		sorted[i] = pos{v, int32(i)}
	}
	slices.SortFunc(sorted, func(a, b pos) int { return cmp.Compare(a.v, b.v) })
	below := 0
	for p, e := range sorted {
		if p > 0 && e.v != sorted[p-1].v {
			below = p // first position of a new value = count strictly below
		}
		out[e.i] = score(below)
	}
	return out
}

// Compute scores every customer with a purchase.
func Compute(orders, customers []arrow.RecordBatch, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	loc := opts.Location
	y, mo, d := opts.AsOf.In(loc).Date()
	asOfDay := civilDay(y, mo, d)
	endMicros := time.Date(y, mo, d+1, 0, 0, 0, 0, loc).UnixMicro()
	windowStart := time.Date(y, mo, d+1-opts.WindowDays, 0, 0, 0, 0, loc)
	winMicros := windowStart.UnixMicro()

	ids, err := readCustomers(customers)
	if err != nil {
		return nil, err
	}
	nCust := len(ids)
	const none = math.MinInt64
	last := make([]int64, nCust)
	for i := range last {
		last[i] = none
	}
	freq := make([]int64, nCust)
	mon := make([]float64, nCust)
	res := &Result{WindowStart: windowStart}
	for bi, rec := range orders {
		ob, err := readOrders(rec)
		if err != nil {
			return nil, fmt.Errorf("orders batch %d: %w", bi, err)
		}
		res.Orders += int64(ob.N)
		for i := 0; i < ob.N; i++ {
			ix, ts, amt, ok := ob.Row(i)
			switch {
			case !ok:
				res.Null++
				continue
			case ts >= endMicros:
				res.AfterAsOf++
				continue
			}
			if ix < 0 || ix >= int64(nCust) || ids[ix].missing {
				return nil, fmt.Errorf("order customer_ix %d not in the customers input: %w", ix, ErrBadCustomer)
			}
			res.Purchases++
			if ts > last[ix] {
				last[ix] = ts
			}
			if ts >= winMicros {
				freq[ix]++
				mon[ix] += amt
			}
		}
	}

	scored := 0
	for _, l := range last {
		if l != none {
			scored++
		}
	}
	sum := Summaries{
		CustomerID: make([]string, 0, scored), LastDay: make([]int32, 0, scored),
		Frequency: make([]int64, 0, scored), Monetary: make([]float64, 0, scored),
	}
	for ix := 0; ix < nCust; ix++ {
		if last[ix] == none {
			continue
		}
		ly, lm, ld := time.UnixMicro(last[ix]).In(loc).Date()
		sum.CustomerID = append(sum.CustomerID, ids[ix].id)
		sum.LastDay = append(sum.LastDay, int32(civilDay(ly, lm, ld)))
		sum.Frequency = append(sum.Frequency, freq[ix])
		sum.Monetary = append(sum.Monetary, mon[ix])
	}
	res.score(sum, asOfDay, opts)
	return res, nil
}

// Summaries are the per-customer inputs of the scores, one entry per
// customer with a purchase up to the as-of day, column-wise: the local
// calendar day of the last purchase (days since 1970-01-01) and the
// purchases in the window (their number and their net_amount summed, not
// rounded).
type Summaries struct {
	CustomerID []string
	LastDay    []int32
	Frequency  []int64
	Monetary   []float64
}

// ErrBadSummary: a summary is inconsistent (columns of different lengths,
// a last purchase after the as-of day).
var ErrBadSummary = errors.New("rfm: bad summary")

// ComputeSummaries scores customers from their summaries, the same scores
// as Compute gives for the purchases they summarise: recency is the as-of
// day minus LastDay, so a per-customer state of last purchase days serves
// any later as-of date without reading the purchases again. Result.Orders
// and the other row counts stay 0.
func ComputeSummaries(s Summaries, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	n := len(s.CustomerID)
	if len(s.LastDay) != n || len(s.Frequency) != n || len(s.Monetary) != n {
		return nil, fmt.Errorf("%d customers, %d last days, %d frequencies, %d monetary values: %w",
			n, len(s.LastDay), len(s.Frequency), len(s.Monetary), ErrBadSummary)
	}
	y, mo, d := opts.AsOf.In(opts.Location).Date()
	asOfDay := civilDay(y, mo, d)
	for i, l := range s.LastDay {
		if int64(l) > asOfDay {
			return nil, fmt.Errorf("customer %s: last purchase day %s is after the as-of day %04d-%02d-%02d: %w",
				s.CustomerID[i], time.Unix(int64(l)*86400, 0).UTC().Format(time.DateOnly), y, mo, d, ErrBadSummary)
		}
	}
	res := &Result{WindowStart: time.Date(y, mo, d+1-opts.WindowDays, 0, 0, 0, 0, opts.Location)}
	res.score(s, asOfDay, opts)
	return res, nil
}

// cents rounds a sum of money to cents, halves away from zero, after
// snapping it to millionths: a float sum's error (far below 1e-6 for
// amounts up to billions) then cannot move it across a half cent, so the
// figure does not depend on the order the amounts were added in (615.605
// summed as 615.6049999999999 or 615.6050000000001 is 615.61 either way).
func cents(x float64) float64 {
	return math.Round(math.Round(x*1e6)/1e4) / 100
}

// score fills the customer columns of r from s: recency, monetary rounded
// to cents, the quintile scores and the tiers.
func (r *Result) score(s Summaries, asOfDay int64, opts Options) {
	n := len(s.CustomerID)
	rv, fv, mv := make([]float64, n), make([]float64, n), make([]float64, n)
	r.CustomerID = s.CustomerID
	r.RecencyDays = make([]int32, n)
	r.Frequency = s.Frequency
	r.Monetary = make([]float64, n)
	for i := range n {
		rec := int32(asOfDay - int64(s.LastDay[i]))
		m := cents(s.Monetary[i])
		r.RecencyDays[i], r.Monetary[i] = rec, m
		rv[i], fv[i], mv[i] = -float64(rec), float64(s.Frequency[i]), m
	}
	r.R, r.F, r.M = Quintiles(rv), Quintiles(fv), Quintiles(mv)
	r.Tier = make([]Tier, n)
	for i := range r.Tier {
		r.Tier[i] = TierOf(int(r.R[i]), int(r.R[i])+int(r.F[i])+int(r.M[i]), opts.HighValueMin, opts.DormantRecencyMax)
	}
}

// civilDay numbers calendar days (days since 1970-01-01).
func civilDay(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
