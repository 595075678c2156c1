package cohort

import (
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Input column names.
const (
	// ColCustomer is the dense customer index column of both inputs.
	ColCustomer = "customer_ix"
	// ColOrderTS is the order time column of the orders input.
	ColOrderTS = "order_ts"
	// ColNetAmount is the net amount column of the orders input.
	ColNetAmount = "net_amount"
)

// Names of the built-in dimension and of the value of missing attributes.
const (
	// DimAll is the dimension (and its only value) covering every customer.
	DimAll = "all"
	// Unknown replaces null or empty dimension values.
	Unknown = "unknown"
)

// Errors returned by Compute (wrapped).
var (
	// ErrBadColumn: a column is missing or has an unsupported type.
	ErrBadColumn = errors.New("cohort: bad column")
	// ErrBadCustomer: a customer index is negative, duplicated in the
	// customers input, or absent from it.
	ErrBadCustomer = errors.New("cohort: bad customer index")
	// ErrBadOptions: the options are unusable.
	ErrBadOptions = errors.New("cohort: bad options")
	// ErrSpanTooLarge: the purchases reach further back from the as-of
	// month than Options.MaxMonths.
	ErrSpanTooLarge = errors.New("cohort: purchases span too many months")
)

// Options configures Compute.
type Options struct {
	// AsOf is the as-of day: its calendar date in Location is used, and
	// orders with order_ts before the start of the next day count.
	AsOf time.Time
	// Location is the business time zone for days and months (nil: UTC).
	Location *time.Location
	// Dimensions are the columns of the customers input to split by, in
	// output order (the "all" dimension always comes first and must not be
	// listed).
	Dimensions []string
	// MaxMonths bounds the months from the earliest purchase to the as-of
	// month (0: DefaultMaxMonths). The matrix and the per-customer month
	// sets grow with the square and the number of those months; an input
	// reaching further back is refused (ErrSpanTooLarge) instead of
	// sized.
	MaxMonths int
}

// DefaultMaxMonths is the default Options.MaxMonths: 50 years, a matrix of
// 180,300 cells per dimension value and 80 bytes of month sets per
// customer.
const DefaultMaxMonths = 600

// Cell is one cell of the matrix for one dimension value.
type Cell struct {
	// Dimension is "all" or one of Options.Dimensions; Value its value
	// ("all" for the all dimension, "unknown" for missing values).
	Dimension, Value string
	// CohortMonth is the first-purchase month, YYYY-MM.
	CohortMonth string
	// MonthsSince is the month offset from the cohort month (0 = same month).
	MonthsSince int
	// CohortSize is the number of customers of the cohort (this value).
	CohortSize int64
	// Active is the number of those customers with a purchase in the month.
	Active int64
	// RetentionPct is 100 × Active / CohortSize.
	RetentionPct float64
	// Revenue is the net amount of the cohort's purchases in the month.
	Revenue float64
	// CumRevenuePerCustomer is the revenue of months 0..MonthsSince over
	// CohortSize.
	CumRevenuePerCustomer float64
}

// Result is the computed matrix with input accounting.
type Result struct {
	// Cells in output order (see the package comment).
	Cells []Cell
	// Customers is the number of customers with at least one purchase.
	Customers int
	// Orders is the number of order rows read; Purchases those counted.
	Orders, Purchases int64
	// AfterAsOf and Null count the rows left out: order_ts on or after the
	// end of the as-of day, and a null customer index, order_ts or
	// net_amount.
	AfterAsOf, Null int64
}

// dimension holds one split: its values (sorted) and a code per customer.
type dimension struct {
	name   string
	values []string
	codes  []int32 // per customer index
}

// Compute builds the cohort matrix from orders and customers (see the
// package comment for the columns and rules).
func Compute(orders, customers []arrow.RecordBatch, opts Options) (*Result, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	if opts.AsOf.IsZero() {
		return nil, fmt.Errorf("as-of date is required: %w", ErrBadOptions)
	}
	for _, d := range opts.Dimensions {
		if d == DimAll || d == ColCustomer || d == "" {
			return nil, fmt.Errorf("dimension %q is reserved: %w", d, ErrBadOptions)
		}
	}
	y, mo, d := opts.AsOf.In(loc).Date()
	endMicros := time.Date(y, mo, d+1, 0, 0, 0, 0, loc).UnixMicro()
	lastMonth := monthNumber(y, mo)

	dims, nCust, err := readCustomers(customers, opts.Dimensions)
	if err != nil {
		return nil, err
	}
	ords, err := readOrders(orders)
	if err != nil {
		return nil, err
	}
	res := &Result{}

	// Pass 1: first purchase instant per customer.
	const none = int64(1<<63 - 1)
	first := make([]int64, nCust)
	for i := range first {
		first[i] = none
	}
	minTS := none
	have := dims.have
	for _, o := range ords {
		res.Orders += int64(o.N)
		if ixs, tss, _, ok := o.Dense(); ok {
			for i, ix := range ixs {
				ts := int64(tss[i])
				if ts >= endMicros {
					res.AfterAsOf++
					continue
				}
				if ix < 0 || int(ix) >= nCust || !have[ix] {
					return nil, fmt.Errorf("order customer_ix %d not in the customers input: %w", ix, ErrBadCustomer)
				}
				res.Purchases++
				if ts < first[ix] {
					first[ix] = ts
				}
				if ts < minTS {
					minTS = ts
				}
			}
			continue
		}
		for i := 0; i < o.N; i++ {
			ix, ts, _, ok := o.Row(i)
			if !ok {
				res.Null++
				continue
			}
			if ts >= endMicros {
				res.AfterAsOf++
				continue
			}
			if ix < 0 || ix >= int64(nCust) || !dims.present(ix) {
				return nil, fmt.Errorf("order customer_ix %d not in the customers input: %w", ix, ErrBadCustomer)
			}
			res.Purchases++
			if ts < first[ix] {
				first[ix] = ts
			}
			if ts < minTS {
				minTS = ts
			}
		}
	}
	if res.Purchases == 0 {
		return res, nil
	}

	// Month starts (UTC micros) from the earliest purchase month to the
	// as-of month; bounds[m] is the start of month m, bounds[M] the end of
	// the as-of month.
	fy, fm, _ := time.UnixMicro(minTS).In(loc).Date()
	firstMonth := monthNumber(fy, fm)
	M := lastMonth - firstMonth + 1
	maxMonths := opts.MaxMonths
	if maxMonths <= 0 {
		maxMonths = DefaultMaxMonths
	}
	if M > maxMonths {
		return nil, fmt.Errorf("earliest purchase %s is %d months before the as-of month, more than %d: %w",
			time.UnixMicro(minTS).In(loc).Format(time.DateTime), M-1, maxMonths, ErrSpanTooLarge)
	}
	bounds := make([]int64, M+1)
	for m := 0; m <= M; m++ {
		bounds[m] = time.Date(fy, fm+time.Month(m), 1, 0, 0, 0, 0, loc).UnixMicro()
	}
	monthOf := newMonthIndex(bounds).of
	cohort := make([]int32, nCust)
	for ix := range cohort {
		if first[ix] == none {
			cohort[ix] = -1
			continue
		}
		cohort[ix] = int32(monthOf(first[ix]))
		res.Customers++
	}
	first = nil

	// Groups: one per (dimension, value); "all" is group 0.
	nd := len(dims.dims)
	offsets := make([]int32, nd)
	nGroups := int32(1)
	for k, dm := range dims.dims {
		offsets[k] = nGroups
		nGroups += int32(len(dm.values))
	}
	T := M * (M + 1) / 2 // triangular cells per group
	tri := make([]int, M)
	for c := range tri {
		tri[c] = c*M - c*(c-1)/2
	}
	revenue := make([]float64, int(nGroups)*T)
	active := make([]int64, int(nGroups)*T)
	size := make([]int64, int(nGroups)*M)
	// groups[ix*nd+k] is customer ix's group in dimension k.
	groups := make([]int32, nCust*nd)
	for k, dm := range dims.dims {
		for ix, code := range dm.codes {
			groups[ix*nd+k] = offsets[k] + code
		}
	}
	groupOf := func(ix int64, k int) int { return int(groups[int(ix)*nd+k]) }

	// Pass 2: revenue per cell and the months each customer was active,
	// as a bitset of months_since per customer.
	W := (M + 63) / 64
	seen := make([]uint64, nCust*W)
	add := func(ix int64, ts int64, amt float64) {
		c := int(cohort[ix])
		k := monthOf(ts) - c
		seen[int(ix)*W+k>>6] |= 1 << uint(k&63)
		cell := tri[c] + k
		revenue[cell] += amt
		for _, g := range groups[int(ix)*nd : int(ix)*nd+nd] {
			revenue[int(g)*T+cell] += amt
		}
	}
	for _, o := range ords {
		if ixs, tss, amts, ok := o.Dense(); ok {
			for i, ix := range ixs {
				if ts, amt := int64(tss[i]), amts[i]; ts < endMicros {
					add(int64(ix), ts, amt)
				}
			}
			continue
		}
		for i := 0; i < o.N; i++ {
			ix, ts, amt, ok := o.Row(i)
			if ok && ts < endMicros {
				add(ix, ts, amt)
			}
		}
	}
	for ix := 0; ix < nCust; ix++ {
		c := int(cohort[ix])
		if c < 0 {
			continue
		}
		size[c]++
		for dk := 0; dk < nd; dk++ {
			size[groupOf(int64(ix), dk)*M+c]++
		}
		for w := 0; w < W; w++ {
			word := seen[ix*W+w]
			for word != 0 {
				k := w*64 + bits.TrailingZeros64(word)
				word &= word - 1
				cell := tri[c] + k
				active[cell]++
				for dk := 0; dk < nd; dk++ {
					active[groupOf(int64(ix), dk)*T+cell]++
				}
			}
		}
	}

	// Emit the cells.
	emit := func(g int, dim, value string) {
		for c := 0; c < M; c++ {
			n := size[g*M+c]
			if n == 0 {
				continue
			}
			cy, cm := (firstMonth+c)/12, (firstMonth+c)%12+1
			label := fmt.Sprintf("%04d-%02d", cy, cm)
			cum := 0.0
			for k := 0; k < M-c; k++ {
				cell := g*T + tri[c] + k
				cum += revenue[cell]
				res.Cells = append(res.Cells, Cell{
					Dimension: dim, Value: value, CohortMonth: label, MonthsSince: k,
					CohortSize: n, Active: active[cell],
					RetentionPct:          100 * float64(active[cell]) / float64(n),
					Revenue:               revenue[cell],
					CumRevenuePerCustomer: cum / float64(n),
				})
			}
		}
	}
	emit(0, DimAll, DimAll)
	for k, dm := range dims.dims {
		for v, value := range dm.values {
			emit(int(offsets[k])+v, dm.name, value)
		}
	}
	return res, nil
}

// monthIndex maps instants to month indices: bounds[m] is the start of
// month m (UTC micros). hour[h] is the month of the instant h hours after
// bounds[0]; a month being longer than an hour, an instant in hour h is in
// month hour[h] or the next one.
type monthIndex struct {
	bounds []int64
	hour   []int32
}

const microsPerHour = 3600 * 1e6

func newMonthIndex(bounds []int64) *monthIndex {
	mi := &monthIndex{bounds: bounds}
	last := len(bounds) - 1
	n := (bounds[last]-bounds[0])/microsPerHour + 1
	mi.hour = make([]int32, n)
	m := 0
	for h := range mi.hour {
		at := bounds[0] + int64(h)*microsPerHour
		for m+1 < last && bounds[m+1] <= at {
			m++
		}
		mi.hour[h] = int32(m)
	}
	return mi
}

// of returns the month of ts, bounds[0] <= ts < bounds[len(bounds)-1].
func (mi *monthIndex) of(ts int64) int {
	m := int(mi.hour[(ts-mi.bounds[0])/microsPerHour])
	if ts >= mi.bounds[m+1] {
		m++
	}
	return m
}

// monthNumber numbers months consecutively (year×12 + month−1).
func monthNumber(y int, m time.Month) int { return y*12 + int(m) - 1 }
