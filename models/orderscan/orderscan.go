// Package orderscan reads the orders batches the cohort and RFM models take
// (a dense customer index, the order instant and the net amount) with typed
// accessors, so each model loops over plain slices.
package orderscan

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ErrBadColumn marks a missing column or one of the wrong type.
var ErrBadColumn = errors.New("bad column")

// Batch is one orders batch with typed accessors.
type Batch struct {
	// N is the number of rows.
	N      int
	ix     func(int) (int64, bool)
	ts     []arrow.Timestamp
	tsMul  int64 // multiply to get micros (when > 1)
	tsDiv  int64 // floor-divide to get micros (when > 1)
	tsCol  arrow.Array
	amt    []float64
	amtCol arrow.Array
	ix32   []int32 // the customer index values when int32
	nulls  bool    // some column has nulls
}

// Dense returns the batch's columns as plain slices (the order instants in
// UTC microseconds) when no column has nulls, the customer index is int32
// and the timestamps are in microseconds, as the jobs read them; ok is false
// otherwise, and Row is then the way to read the batch.
func (o *Batch) Dense() (ix []int32, ts []arrow.Timestamp, amt []float64, ok bool) {
	if o.nulls || o.ix32 == nil || o.tsMul > 1 || o.tsDiv > 1 {
		return nil, nil, nil, false
	}
	return o.ix32[:o.N], o.ts[:o.N], o.amt[:o.N], true
}

// Row returns the customer index, the order instant in UTC microseconds and
// the net amount, with ok = false when any of them is null.
func (o *Batch) Row(i int) (ix, ts int64, amt float64, ok bool) {
	ix, ok = o.ix(i)
	if !ok || o.tsCol.IsNull(i) || o.amtCol.IsNull(i) {
		return 0, 0, 0, false
	}
	ts = int64(o.ts[i])
	if o.tsMul > 1 {
		ts *= o.tsMul
	} else if o.tsDiv > 1 {
		q := ts / o.tsDiv
		if ts%o.tsDiv < 0 {
			q--
		}
		ts = q
	}
	return ix, ts, o.amt[i], true
}

// Read binds rec's customer index (int32 or int64), timestamp (any unit)
// and float64 amount columns.
func Read(rec arrow.RecordBatch, customerCol, tsCol, amountCol string) (*Batch, error) {
	ob := &Batch{N: int(rec.NumRows())}
	var err error
	if ob.ix, err = IntColumn(rec, customerCol); err != nil {
		return nil, err
	}
	tc, err := Column(rec, tsCol)
	if err != nil {
		return nil, err
	}
	ts, ok := tc.(*array.Timestamp)
	if !ok {
		return nil, fmt.Errorf("column %q has type %s, want timestamp: %w", tsCol, tc.DataType(), ErrBadColumn)
	}
	ob.ts, ob.tsCol = ts.TimestampValues(), tc
	switch ts.DataType().(*arrow.TimestampType).Unit {
	case arrow.Second:
		ob.tsMul = 1e6
	case arrow.Millisecond:
		ob.tsMul = 1e3
	case arrow.Nanosecond:
		ob.tsDiv = 1e3
	}
	ac, err := Column(rec, amountCol)
	if err != nil {
		return nil, err
	}
	amt, ok := ac.(*array.Float64)
	if !ok {
		return nil, fmt.Errorf("column %q has type %s, want float64: %w", amountCol, ac.DataType(), ErrBadColumn)
	}
	ob.amt, ob.amtCol = amt.Float64Values(), ac
	ixCol, _ := Column(rec, customerCol)
	if c, ok := ixCol.(*array.Int32); ok {
		ob.ix32 = c.Int32Values()
	}
	ob.nulls = ixCol.NullN() > 0 || tc.NullN() > 0 || ac.NullN() > 0
	return ob, nil
}

// Column returns the named column.
func Column(rec arrow.RecordBatch, name string) (arrow.Array, error) {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("column %q not found: %w", name, ErrBadColumn)
	}
	return rec.Column(idx[0]), nil
}

// IntColumn returns an accessor for an int32 or int64 column.
func IntColumn(rec arrow.RecordBatch, name string) (func(int) (int64, bool), error) {
	col, err := Column(rec, name)
	if err != nil {
		return nil, err
	}
	switch c := col.(type) {
	case *array.Int32:
		vals := c.Int32Values()
		if c.NullN() == 0 {
			return func(i int) (int64, bool) { return int64(vals[i]), true }, nil
		}
		return func(i int) (int64, bool) { return int64(vals[i]), c.IsValid(i) }, nil
	case *array.Int64:
		vals := c.Int64Values()
		if c.NullN() == 0 {
			return func(i int) (int64, bool) { return vals[i], true }, nil
		}
		return func(i int) (int64, bool) { return vals[i], c.IsValid(i) }, nil
	}
	return nil, fmt.Errorf("column %q has type %s, want int32 or int64: %w", name, col.DataType(), ErrBadColumn)
}
