package metrics

import (
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Errors returned (wrapped) by the metric functions.
var (
	// ErrBadColumn reports a missing required column or a column of an
	// unsupported type.
	ErrBadColumn = errors.New("invalid input column")
	// ErrBadOptions reports unusable options (no time zone, no as-of date).
	ErrBadOptions = errors.New("invalid options")
)

// strCol reads a string column of any of Arrow's string layouts; a nil
// strCol (optional column absent) reads as all null.
type strCol struct {
	s    *array.String
	ls   *array.LargeString
	sv   *array.StringView
	gen  arrow.Array
	null bool
}

func (c *strCol) valid(i int) bool {
	switch {
	case c == nil || c.null:
		return false
	case c.s != nil:
		return c.s.IsValid(i)
	case c.ls != nil:
		return c.ls.IsValid(i)
	case c.sv != nil:
		return c.sv.IsValid(i)
	default:
		return c.gen.IsValid(i)
	}
}

// at returns the value ("" for null). The string may point into the Arrow
// buffer: clone it before keeping it beyond the batch's life.
func (c *strCol) at(i int) string {
	switch {
	case c == nil || c.null:
		return ""
	case c.s != nil:
		if c.s.IsNull(i) {
			return ""
		}
		return c.s.Value(i)
	case c.ls != nil:
		if c.ls.IsNull(i) {
			return ""
		}
		return c.ls.Value(i)
	case c.sv != nil:
		if c.sv.IsNull(i) {
			return ""
		}
		return c.sv.Value(i)
	default:
		if c.gen.IsNull(i) {
			return ""
		}
		return c.gen.ValueStr(i)
	}
}

// numCol reads a numeric column as float64 (ints, floats, decimals).
type numCol struct {
	f64  []float64
	arr  arrow.Array
	get  func(i int) float64
	none bool
}

// at returns the value, NaN for null or absent.
func (c *numCol) at(i int) float64 {
	if c == nil || c.none || c.arr.IsNull(i) {
		return math.NaN()
	}
	if c.f64 != nil {
		return c.f64[i]
	}
	return c.get(i)
}

// boolCol reads a boolean column; null reads as false.
type boolCol struct{ b *array.Boolean }

func (c *boolCol) at(i int) bool { return c.b.IsValid(i) && c.b.Value(i) }

// flag reads a boolean column; nil when an optional column is absent.
func (t table) flag(name string, required bool) (*boolCol, error) {
	a, err := t.col(name, required)
	if err != nil || a == nil {
		return nil, err
	}
	v, ok := a.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("%s: column %q has type %s, want a boolean: %w", t.name, name, a.DataType(), ErrBadColumn)
	}
	return &boolCol{b: v}, nil
}

// tsCol reads a timestamp (any unit) or date column as UTC microseconds.
// A date is the midnight that starts it in the calendar's time zone.
type tsCol struct {
	arr  arrow.Array
	tsv  []arrow.Timestamp
	mul  int64 // microseconds per unit (0: divide by div)
	div  int64
	get  func(i int) int64
	none bool
}

func (c *tsCol) valid(i int) bool { return c != nil && !c.none && c.arr.IsValid(i) }

// at returns microseconds since the epoch (0 for null: check valid first).
func (c *tsCol) at(i int) int64 {
	if c.tsv != nil {
		if c.mul != 0 {
			return int64(c.tsv[i]) * c.mul
		}
		return floorDiv(int64(c.tsv[i]), c.div)
	}
	return c.get(i)
}

type table struct {
	name string
	rec  arrow.RecordBatch
}

func (t table) col(name string, required bool) (arrow.Array, error) {
	idx := t.rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		if required {
			return nil, fmt.Errorf("%s: column %q not found: %w", t.name, name, ErrBadColumn)
		}
		return nil, nil
	}
	return t.rec.Column(idx[0]), nil
}

func (t table) str(name string, required bool) (*strCol, error) {
	a, err := t.col(name, required)
	if err != nil || a == nil {
		return &strCol{null: true}, err
	}
	switch c := a.(type) {
	case *array.String:
		return &strCol{s: c}, nil
	case *array.LargeString:
		return &strCol{ls: c}, nil
	case *array.StringView:
		return &strCol{sv: c}, nil
	case *array.Null:
		return &strCol{null: true}, nil
	case *array.Dictionary, *array.Binary, *array.Int64, *array.Int32:
		return &strCol{gen: a}, nil
	}
	return nil, fmt.Errorf("%s: column %q has type %s, want a string: %w", t.name, name, a.DataType(), ErrBadColumn)
}

func (t table) num(name string, required bool) (*numCol, error) {
	a, err := t.col(name, required)
	if err != nil || a == nil {
		return &numCol{none: true}, err
	}
	c := &numCol{arr: a}
	switch v := a.(type) {
	case *array.Float64:
		c.f64 = v.Float64Values()
	case *array.Float32:
		c.get = func(i int) float64 { return float64(v.Value(i)) }
	case *array.Int64:
		c.get = func(i int) float64 { return float64(v.Value(i)) }
	case *array.Int32:
		c.get = func(i int) float64 { return float64(v.Value(i)) }
	case *array.Int16:
		c.get = func(i int) float64 { return float64(v.Value(i)) }
	case *array.Int8:
		c.get = func(i int) float64 { return float64(v.Value(i)) }
	case *array.Uint64:
		c.get = func(i int) float64 { return float64(v.Value(i)) }
	case *array.Uint32:
		c.get = func(i int) float64 { return float64(v.Value(i)) }
	case *array.Decimal128:
		scale := v.DataType().(*arrow.Decimal128Type).Scale
		c.get = func(i int) float64 { return v.Value(i).ToFloat64(scale) }
	case *array.Null:
		c.none = true
	default:
		return nil, fmt.Errorf("%s: column %q has type %s, want a number: %w", t.name, name, a.DataType(), ErrBadColumn)
	}
	return c, nil
}

func (t table) ts(name string, required bool, cal *Calendar) (*tsCol, error) {
	a, err := t.col(name, required)
	if err != nil || a == nil {
		return &tsCol{none: true}, err
	}
	c := &tsCol{arr: a}
	switch v := a.(type) {
	case *array.Timestamp:
		c.tsv = v.TimestampValues()
		switch v.DataType().(*arrow.TimestampType).Unit {
		case arrow.Second:
			c.mul = 1e6
		case arrow.Millisecond:
			c.mul = 1e3
		case arrow.Microsecond:
			c.mul = 1
		case arrow.Nanosecond:
			c.div = 1e3
		}
	case *array.Date32:
		vals := v.Date32Values()
		c.get = func(i int) int64 { return cal.dayStartUS(int32(vals[i])) }
	case *array.Date64:
		vals := v.Date64Values()
		c.get = func(i int) int64 { return cal.dayStartUS(int32(floorDiv(int64(vals[i]), 86400000))) }
	case *array.Null:
		c.none = true
	default:
		return nil, fmt.Errorf("%s: column %q has type %s, want a timestamp or date: %w", t.name, name, a.DataType(), ErrBadColumn)
	}
	return c, nil
}

// floorDiv is integer division rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// numRows sums the rows of batches.
func numRows(recs []arrow.RecordBatch) int {
	n := 0
	for _, r := range recs {
		n += int(r.NumRows())
	}
	return n
}
