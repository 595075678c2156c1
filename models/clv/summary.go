package clv

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
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
	if err := checkPeriod(calEnd, holdoutEnd); err != nil {
		return nil, err
	}
	agg := newAggregator()
	agg.reserve(len(txns))
	for i, t := range txns {
		if math.IsNaN(t.Amount) || math.IsInf(t.Amount, 0) {
			return nil, fmt.Errorf("clv: transaction %d of customer %q: %w", i, t.CustomerID, ErrBadAmount)
		}
		sec := t.Time.Unix()
		agg.add(t.CustomerID, int32(floorDiv(sec, 86400)), t.Amount)
	}
	return agg.purchases().Summaries(calEnd, holdoutEnd)
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
	if err := checkPeriod(calEnd, holdoutEnd); err != nil {
		return nil, err
	}
	p, err := PurchasesFromRecords(recs, custCol, tsCol, amountCol)
	if err != nil {
		return nil, err
	}
	return p.Summaries(calEnd, holdoutEnd)
}

// dateDay returns the day number (days since 1970-01-01) of t's calendar
// date in t's own location.
func dateDay(t time.Time) int32 {
	y, m, d := t.Date()
	return int32(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400))
}

// checkPeriod validates a calibration end and an optional holdout end.
func checkPeriod(calEnd, holdoutEnd time.Time) error {
	if calEnd.IsZero() {
		return fmt.Errorf("clv: zero calibration end: %w", ErrBadPeriod)
	}
	if !holdoutEnd.IsZero() && dateDay(holdoutEnd) < dateDay(calEnd) {
		return fmt.Errorf("clv: holdout end %s before calibration end %s: %w",
			holdoutEnd.Format(time.DateOnly), calEnd.Format(time.DateOnly), ErrBadPeriod)
	}
	return nil
}

// Purchases are the purchase days of customers with the value of each day
// (the sum of its transactions), from which Summaries builds the summaries
// of any calibration period.
type Purchases struct {
	ids   []string  // in order of first appearance
	start []int32   // customer c's days are days[start[c]:start[c+1]]
	days  []int32   // purchase days (days since 1970-01-01), ascending
	value []float64 // the value of each purchase day
}

// Customers returns the number of customers.
func (p *Purchases) Customers() int { return len(p.ids) }

// Summaries returns one Summary per customer whose first purchase is on or
// before calEnd, in order of the customers' first appearance, with the
// rules of Summarize (calEnd and holdoutEnd are inclusive calendar dates; a
// zero holdoutEnd means no holdout).
func (p *Purchases) Summaries(calEnd, holdoutEnd time.Time) ([]Summary, error) {
	if err := checkPeriod(calEnd, holdoutEnd); err != nil {
		return nil, err
	}
	cal := dateDay(calEnd)
	hold := cal
	if !holdoutEnd.IsZero() {
		hold = dateDay(holdoutEnd)
	}
	out := make([]Summary, 0, len(p.ids))
	for c := range p.ids {
		days, value := p.days[p.start[c]:p.start[c+1]], p.value[p.start[c]:p.start[c+1]]
		if len(days) == 0 || days[0] > cal {
			continue
		}
		first := days[0]
		s := Summary{ID: p.ids[c], T: float64(cal-first) / 7}
		last := first
		var repeatSpend float64
		for i := 1; i < len(days); i++ {
			switch day := days[i]; {
			case day <= cal:
				s.X++
				repeatSpend += value[i]
				last = day
			case day <= hold:
				s.XHoldout++
			}
		}
		s.TX = float64(last-first) / 7
		if s.X > 0 {
			s.MeanSpend = repeatSpend / float64(s.X)
		}
		out = append(out, s)
	}
	return out, nil
}
