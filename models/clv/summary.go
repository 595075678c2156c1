package clv

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Errors returned (wrapped) by the summary functions.
var (
	// ErrBadPeriod reports an unusable calibration or holdout end.
	ErrBadPeriod = errors.New("invalid calibration or holdout period")
	// ErrBadColumn reports a missing column or a column of an unsupported type.
	ErrBadColumn = errors.New("invalid input column")
	// ErrNullValue reports a null customer id, timestamp or amount.
	ErrNullValue = errors.New("null value")
	// ErrBadAmount reports a NaN or infinite amount.
	ErrBadAmount = errors.New("non-finite amount")
)

// Txn is one transaction line of a customer.
type Txn struct {
	// CustomerID identifies the customer.
	CustomerID string
	// Time is the moment of the transaction; its UTC calendar day is the
	// purchase day.
	Time time.Time
	// Amount is the monetary value of the transaction.
	Amount float64
}

// Summary is the recency-frequency-monetary summary of one customer over a
// calibration period, plus the number of purchase days in the holdout period
// that follows it.
type Summary struct {
	// ID is the customer id.
	ID string
	// X is the number of repeat purchase days in the calibration period:
	// distinct purchase days up to and including the calibration end, minus
	// one (the first purchase).
	X int
	// TX is the recency: weeks from the first purchase day to the last
	// purchase day in the calibration period (0 when X is 0).
	TX float64
	// T is the customer's age: weeks from the first purchase day to the
	// calibration end day.
	T float64
	// MeanSpend is the mean value of the repeat purchase days in the
	// calibration period, each day's value being the sum of that day's
	// transactions; 0 when X is 0.
	MeanSpend float64
	// XHoldout is the number of distinct purchase days after the calibration
	// end day and up to and including the holdout end day (0 when no holdout
	// end was given).
	XHoldout int
}

// Summarize builds one Summary per customer from transaction lines.
//
// Purchase days are UTC calendar days of Txn.Time. calEnd and holdoutEnd are
// taken as calendar dates (their Year, Month and Day in their own location)
// and are inclusive: the calibration period is every day up to and including
// calEnd, the holdout period the days after calEnd up to and including
// holdoutEnd. A zero holdoutEnd means no holdout (XHoldout is 0); otherwise it
// must not be before calEnd. Customers whose first purchase is after calEnd
// are left out. Summaries are returned in the order of each customer's first
// appearance in txns. Amounts must be finite; they may be negative (returns).
func Summarize(txns []Txn, calEnd, holdoutEnd time.Time) ([]Summary, error) {
	agg, err := newAggregator(calEnd, holdoutEnd)
	if err != nil {
		return nil, err
	}
	agg.reserve(len(txns))
	for i, t := range txns {
		if math.IsNaN(t.Amount) || math.IsInf(t.Amount, 0) {
			return nil, fmt.Errorf("clv: transaction %d of customer %q: %w", i, t.CustomerID, ErrBadAmount)
		}
		sec := t.Time.Unix()
		agg.add(t.CustomerID, int32(floorDiv(sec, 86400)), t.Amount)
	}
	return agg.summaries(), nil
}

// SummaryFromRecords builds one Summary per customer from Arrow record
// batches, with the same rules as Summarize.
//
// custCol names the customer id column (utf8 or large_utf8). tsCol names the
// purchase time column: timestamp of any unit (its values are instants; their
// UTC calendar day is the purchase day, whatever the column's time zone),
// date32 or date64. amountCol names the amount column (float64). All batches
// must have these columns (they may differ in other columns). Nulls in any of
// the three columns are an error. calEnd and holdoutEnd are as for Summarize;
// a zero holdoutEnd means no holdout.
func SummaryFromRecords(recs []arrow.RecordBatch, custCol, tsCol, amountCol string, calEnd, holdoutEnd time.Time) ([]Summary, error) {
	agg, err := newAggregator(calEnd, holdoutEnd)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, rec := range recs {
		total += rec.NumRows()
	}
	agg.reserve(int(total))
	for bi, rec := range recs {
		if err := agg.addRecord(rec, custCol, tsCol, amountCol); err != nil {
			return nil, fmt.Errorf("clv: record batch %d: %w", bi, err)
		}
	}
	return agg.summaries(), nil
}

// columnByName returns the first column of rec named name.
func columnByName(rec arrow.RecordBatch, name string) (arrow.Array, error) {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("column %q not found: %w", name, ErrBadColumn)
	}
	return rec.Column(idx[0]), nil
}

func (g *aggregator) addRecord(rec arrow.RecordBatch, custCol, tsCol, amountCol string) error {
	cc, err := columnByName(rec, custCol)
	if err != nil {
		return err
	}
	tc, err := columnByName(rec, tsCol)
	if err != nil {
		return err
	}
	ac, err := columnByName(rec, amountCol)
	if err != nil {
		return err
	}
	var idAt func(i int) string
	switch c := cc.(type) {
	case *array.String:
		idAt = c.Value
	case *array.LargeString:
		idAt = c.Value
	default:
		return fmt.Errorf("column %q has type %s, want utf8: %w", custCol, cc.DataType(), ErrBadColumn)
	}
	var dayAt func(i int) int32
	switch c := tc.(type) {
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		perDay := int64(86400)
		switch unit {
		case arrow.Millisecond:
			perDay *= 1e3
		case arrow.Microsecond:
			perDay *= 1e6
		case arrow.Nanosecond:
			perDay *= 1e9
		}
		vals := c.Values()
		dayAt = func(i int) int32 { return int32(floorDiv(int64(vals[i]), perDay)) }
	case *array.Date32:
		vals := c.Values()
		dayAt = func(i int) int32 { return int32(vals[i]) }
	case *array.Date64:
		vals := c.Values()
		dayAt = func(i int) int32 { return int32(floorDiv(int64(vals[i]), 86400000)) }
	default:
		return fmt.Errorf("column %q has type %s, want timestamp or date32: %w", tsCol, tc.DataType(), ErrBadColumn)
	}
	amt, ok := ac.(*array.Float64)
	if !ok {
		return fmt.Errorf("column %q has type %s, want float64: %w", amountCol, ac.DataType(), ErrBadColumn)
	}
	amounts := amt.Float64Values()
	n := int(rec.NumRows())
	checkNulls := cc.NullN() > 0 || tc.NullN() > 0 || ac.NullN() > 0
	for i := 0; i < n; i++ {
		if checkNulls {
			switch {
			case cc.IsNull(i):
				return fmt.Errorf("row %d, column %q: %w", i, custCol, ErrNullValue)
			case tc.IsNull(i):
				return fmt.Errorf("row %d, column %q: %w", i, tsCol, ErrNullValue)
			case ac.IsNull(i):
				return fmt.Errorf("row %d, column %q: %w", i, amountCol, ErrNullValue)
			}
		}
		v := amounts[i]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("row %d, column %q: %w", i, amountCol, ErrBadAmount)
		}
		g.add(idAt(i), dayAt(i), v)
	}
	return nil
}

// floorDiv is integer division rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// dateDay returns the day number (days since 1970-01-01) of t's calendar
// date in t's own location.
func dateDay(t time.Time) int32 {
	y, m, d := t.Date()
	return int32(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400))
}

type event struct {
	cust   int32
	day    int32
	amount float64
}

// aggregator turns (customer, day, amount) events into summaries.
type aggregator struct {
	calEnd     int32
	holdoutEnd int32
	index      map[string]int32
	ids        []string
	events     []event
}

func newAggregator(calEnd, holdoutEnd time.Time) (*aggregator, error) {
	if calEnd.IsZero() {
		return nil, fmt.Errorf("clv: zero calibration end: %w", ErrBadPeriod)
	}
	g := &aggregator{calEnd: dateDay(calEnd), index: map[string]int32{}}
	g.holdoutEnd = g.calEnd
	if !holdoutEnd.IsZero() {
		g.holdoutEnd = dateDay(holdoutEnd)
		if g.holdoutEnd < g.calEnd {
			return nil, fmt.Errorf("clv: holdout end %s before calibration end %s: %w",
				holdoutEnd.Format(time.DateOnly), calEnd.Format(time.DateOnly), ErrBadPeriod)
		}
	}
	return g, nil
}

func (g *aggregator) reserve(n int) { g.events = slices.Grow(g.events, n) }

func (g *aggregator) add(id string, day int32, amount float64) {
	ci, ok := g.index[id]
	if !ok {
		id = strings.Clone(id) // ids may alias Arrow buffers released later
	}
	if !ok {
		ci = int32(len(g.ids))
		g.index[id] = ci
		g.ids = append(g.ids, id)
	}
	g.events = append(g.events, event{cust: ci, day: day, amount: amount})
}

func (g *aggregator) summaries() []Summary {
	ev := g.events
	slices.SortFunc(ev, func(a, b event) int {
		if a.cust != b.cust {
			return int(a.cust) - int(b.cust)
		}
		return int(a.day) - int(b.day)
	})
	out := make([]Summary, 0, len(g.ids))
	for i := 0; i < len(ev); {
		j := i
		for j < len(ev) && ev[j].cust == ev[i].cust {
			j++
		}
		if s, ok := g.summarizeCustomer(ev[i:j]); ok {
			out = append(out, s)
		}
		i = j
	}
	return out
}

// summarizeCustomer summarizes one customer's events, sorted by day.
func (g *aggregator) summarizeCustomer(ev []event) (Summary, bool) {
	first := ev[0].day
	if first > g.calEnd {
		return Summary{}, false
	}
	s := Summary{ID: g.ids[ev[0].cust], T: float64(g.calEnd-first) / 7}
	last := first
	var repeatSpend float64
	for i := 0; i < len(ev); {
		day := ev[i].day
		var spend float64
		for i < len(ev) && ev[i].day == day {
			spend += ev[i].amount
			i++
		}
		switch {
		case day == first:
		case day <= g.calEnd:
			s.X++
			repeatSpend += spend
			last = day
		case day <= g.holdoutEnd:
			s.XHoldout++
		}
	}
	s.TX = float64(last-first) / 7
	if s.X > 0 {
		s.MeanSpend = repeatSpend / float64(s.X)
	}
	return s, true
}
