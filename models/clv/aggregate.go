package clv

// Reading purchases from Arrow batches: an aggregator numbers customers
// (short ids kept inline), turns timestamps into local days without a time
// zone conversion per row, and merges per-batch partial results into
// Purchases, from which Summaries are computed.

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// PurchasesFromRecords reads the purchase days of every customer from Arrow
// record batches (columns as for SummaryFromRecords), to be summarised for
// one or more periods with Purchases.Summaries. The result holds no
// reference to the batches.
func PurchasesFromRecords(recs []arrow.RecordBatch, custCol, tsCol, amountCol string) (*Purchases, error) {
	// Contiguous runs of batches, one per worker, each with its own customer
	// index; merged in batch order, so customers keep their order of first
	// appearance.
	var total int64
	for _, rec := range recs {
		total += rec.NumRows()
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), len(recs), int(total/(1<<16))))
	parts := make([]*aggregator, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	lo := 0
	for w := range parts {
		// Batches lo..hi-1 hold about the w-th share of the rows.
		hi, rows := lo, int64(0)
		for hi < len(recs) && (w == workers-1 || rows < total/int64(workers)) {
			rows += recs[hi].NumRows()
			hi++
		}
		parts[w] = newAggregator()
		parts[w].reserve(int(rows))
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			for bi := lo; bi < hi; bi++ {
				if err := parts[w].addRecord(recs[bi], custCol, tsCol, amountCol); err != nil {
					errs[w] = fmt.Errorf("clv: record batch %d: %w", bi, err)
					return
				}
			}
		}(w, lo, hi)
		lo = hi
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return mergeAggregators(parts).purchases(), nil
}

// PurchasesFromIndexed is PurchasesFromRecords for orders whose customers
// are numbered densely: ixCol (int32 or int64) is the customer's index in
// ids, the customer ids (copied). Customers are in the order of ids. When
// loc is not nil, the purchase day of a timestamp is its calendar day in
// loc (not in UTC).
func PurchasesFromIndexed(recs []arrow.RecordBatch, ixCol, tsCol, amountCol string, ids []string, loc *time.Location) (*Purchases, error) {
	if len(ids) > math.MaxInt32 {
		return nil, fmt.Errorf("clv: %d customers: %w", len(ids), ErrBadColumn)
	}
	g := &aggregator{indexed: true, ids: make([]string, len(ids))}
	if loc != nil {
		// The range of the timestamps, for the table of local days.
		lo, hi, any := int64(math.MaxInt64), int64(math.MinInt64), false
		for _, rec := range recs {
			c, err := columnByName(rec, tsCol)
			if err != nil {
				return nil, fmt.Errorf("clv: %w", err)
			}
			ts, ok := c.(*array.Timestamp)
			if !ok {
				continue
			}
			perSec := unitsPerSecond(ts)
			for i, v := range ts.Values() {
				if ts.IsValid(i) {
					sec := floorDiv(int64(v), perSec)
					lo, hi, any = min(lo, sec), max(hi, sec), true
				}
			}
		}
		if any {
			g.days = newLocalDays(loc, lo, hi)
		}
	}
	for i, id := range ids {
		g.ids[i] = strings.Clone(id)
	}
	var total int64
	for _, rec := range recs {
		total += rec.NumRows()
	}
	g.events = make([]event, 0, total)
	for bi, rec := range recs {
		if err := g.addRecord(rec, ixCol, tsCol, amountCol); err != nil {
			return nil, fmt.Errorf("clv: record batch %d: %w", bi, err)
		}
	}
	return g.purchases(), nil
}

// mergeAggregators numbers the customers of parts[1:] after those of
// parts[0] (ids seen before keep their number) and returns one aggregator
// with every part's events in order.
func mergeAggregators(parts []*aggregator) *aggregator {
	g := parts[0]
	if len(parts) == 1 {
		return g
	}
	n := len(g.events)
	for _, p := range parts[1:] {
		n += len(p.events)
	}
	g.events = slices.Grow(g.events, n-len(g.events))
	for _, p := range parts[1:] {
		remap := make([]int32, len(p.ids))
		for i, id := range p.ids {
			remap[i] = g.number(id)
		}
		for _, e := range p.events {
			e.cust = remap[e.cust]
			g.events = append(g.events, e)
		}
	}
	return g
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
	var ixAt func(i int) int64
	switch c := cc.(type) {
	case *array.String:
		idAt = c.Value
	case *array.LargeString:
		idAt = c.Value
	case *array.Int32:
		ixAt = func(i int) int64 { return int64(c.Value(i)) }
	case *array.Int64:
		ixAt = c.Value
	}
	if (idAt == nil || g.indexed) && (ixAt == nil || !g.indexed) {
		want := "utf8"
		if g.indexed {
			want = "int32 or int64"
		}
		return fmt.Errorf("column %q has type %s, want %s: %w", custCol, cc.DataType(), want, ErrBadColumn)
	}
	var dayAt func(i int) int32
	switch c := tc.(type) {
	case *array.Timestamp:
		unitsPerSec := unitsPerSecond(c)
		perDay := 86400 * unitsPerSec
		vals := c.Values()
		dayAt = func(i int) int32 { return int32(floorDiv(int64(vals[i]), perDay)) }
		if g.days != nil {
			dayAt = func(i int) int32 { return g.days.day(int64(vals[i]), unitsPerSec) }
		}
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
		if g.indexed {
			ix := ixAt(i)
			if ix < 0 || ix >= int64(len(g.ids)) {
				return fmt.Errorf("row %d, column %q: customer index %d not among the %d customers: %w", i, custCol, ix, len(g.ids), ErrBadColumn)
			}
			g.events = append(g.events, event{cust: int32(ix), day: dayAt(i), amount: v})
			continue
		}
		g.add(idAt(i), dayAt(i), v)
	}
	return nil
}

// unitsPerSecond is the number of ts's units in a second.
func unitsPerSecond(ts *array.Timestamp) int64 {
	switch ts.DataType().(*arrow.TimestampType).Unit {
	case arrow.Millisecond:
		return 1e3
	case arrow.Microsecond:
		return 1e6
	case arrow.Nanosecond:
		return 1e9
	}
	return 1
}

// floorDiv is integer division rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

type event struct {
	cust   int32
	day    int32
	amount float64
}

// aggregator collects (customer, day, amount) events.
type aggregator struct {
	// Customer numbers by id: ids of up to shortKeyLen bytes are kept
	// inline in the key (one memory access per lookup instead of a pointer
	// to follow to the id's bytes), longer ones by string.
	short  map[shortKey]int32
	long   map[string]int32
	ids    []string
	events []event
	// indexed: the events name customers by their index in ids (given).
	indexed bool
	// days, when set, gives the purchase day of timestamps (their calendar
	// day in a time zone instead of UTC).
	days *localDays
}

// localDays maps instants to calendar days in a time zone: hour[h] is the
// day number (days since 1970-01-01) of every instant of the h-th hour
// after start, or noDay when the day changes within that hour (the
// instants of those hours are converted one by one).
type localDays struct {
	loc   *time.Location
	start int64 // seconds
	hour  []int32
}

const noDay = math.MinInt32

// newLocalDays covers the instants from lo to hi (seconds).
func newLocalDays(loc *time.Location, lo, hi int64) *localDays {
	lo = floorDiv(lo, 3600) * 3600
	// Up to about 120 years of hours; instants beyond are converted one by one.
	d := &localDays{loc: loc, start: lo, hour: make([]int32, min((hi-lo)/3600+1, 1<<20))}
	for h := range d.hour {
		a := dateDay(time.Unix(lo+int64(h)*3600, 0).In(loc))
		b := dateDay(time.Unix(lo+int64(h)*3600+3599, 0).In(loc))
		d.hour[h] = a
		if a != b {
			d.hour[h] = noDay
		}
	}
	return d
}

// day returns the day number of ts (in units of 1/unitsPerSec seconds).
func (d *localDays) day(ts, unitsPerSec int64) int32 {
	sec := floorDiv(ts, unitsPerSec)
	if h := (sec - d.start) / 3600; sec >= d.start && h < int64(len(d.hour)) && d.hour[h] != noDay {
		return d.hour[h]
	}
	return dateDay(time.Unix(sec, 0).In(d.loc))
}

// shortKeyLen is the longest id kept in a shortKey.
const shortKeyLen = 23

// shortKey is an id of up to shortKeyLen bytes: its length, then its bytes.
type shortKey [shortKeyLen + 1]byte

func newAggregator() *aggregator {
	return &aggregator{short: map[shortKey]int32{}, long: map[string]int32{}}
}

// reserve makes room for n events (and the customers they may have).
func (g *aggregator) reserve(n int) {
	g.events = slices.Grow(g.events, n)
	if len(g.short) == 0 {
		g.short = make(map[shortKey]int32, n/4)
	}
}

// number returns the number of customer id, numbering a new id next.
func (g *aggregator) number(id string) int32 {
	if len(id) <= shortKeyLen {
		var k shortKey
		k[0] = byte(len(id))
		copy(k[1:], id)
		ci, ok := g.short[k]
		if !ok {
			ci = int32(len(g.ids))
			g.short[k] = ci
			g.ids = append(g.ids, strings.Clone(id)) // ids may alias Arrow buffers released later
		}
		return ci
	}
	ci, ok := g.long[id]
	if !ok {
		id = strings.Clone(id)
		ci = int32(len(g.ids))
		g.long[id] = ci
		g.ids = append(g.ids, id)
	}
	return ci
}

func (g *aggregator) add(id string, day int32, amount float64) {
	g.events = append(g.events, event{cust: g.number(id), day: day, amount: amount})
}

// purchases groups the events by customer (a counting sort: customers are
// numbered densely), orders each customer's events by day and amount and
// sums each day's amounts in that order.
func (g *aggregator) purchases() *Purchases {
	n := len(g.ids)
	start := make([]int32, n+1)
	for _, e := range g.events {
		start[e.cust+1]++
	}
	for c := 0; c < n; c++ {
		start[c+1] += start[c]
	}
	next := slices.Clone(start[:n])
	sorted := make([]event, len(g.events))
	for _, e := range g.events {
		sorted[next[e.cust]] = e
		next[e.cust]++
	}
	g.events = nil
	p := &Purchases{ids: g.ids, start: make([]int32, n+1)}
	p.days = make([]int32, 0, len(sorted))
	p.value = make([]float64, 0, len(sorted))
	for c := 0; c < n; c++ {
		ev := sorted[start[c]:start[c+1]]
		// Insertion sort: a customer has few events.
		for i := 1; i < len(ev); i++ {
			for j := i; j > 0 && (ev[j].day < ev[j-1].day || ev[j].day == ev[j-1].day && ev[j].amount < ev[j-1].amount); j-- {
				ev[j], ev[j-1] = ev[j-1], ev[j]
			}
		}
		for i := 0; i < len(ev); {
			day := ev[i].day
			var v float64
			for ; i < len(ev) && ev[i].day == day; i++ {
				v += ev[i].amount
			}
			p.days = append(p.days, day)
			p.value = append(p.value, v)
		}
		p.start[c+1] = int32(len(p.days))
	}
	return p
}
