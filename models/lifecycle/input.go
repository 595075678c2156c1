package lifecycle

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ErrBadColumn is wrapped by the errors of Compute about a missing column or
// a column of the wrong type.
var ErrBadColumn = errors.New("bad column")

// stringColumn is a utf8, large utf8 or utf8 view column.
type stringColumn interface {
	IsNull(i int) bool
	Value(i int) string
}

// findColumn returns the column of rec named name, or nil when it is absent.
func findColumn(rec arrow.RecordBatch, name string) arrow.Array {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil
	}
	return rec.Column(idx[0])
}

// strColumn returns the string column name; nil without error when it is
// absent and optional.
func strColumn(rec arrow.RecordBatch, name string, optional bool) (stringColumn, error) {
	c := findColumn(rec, name)
	if c == nil {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("column %q not found: %w", name, ErrBadColumn)
	}
	switch a := c.(type) {
	case *array.String:
		return a, nil
	case *array.LargeString:
		return a, nil
	case *array.StringView:
		return a, nil
	case *array.Null:
		return nullStrings{}, nil
	}
	return nil, fmt.Errorf("column %q has type %s, want utf8: %w", name, c.DataType(), ErrBadColumn)
}

// nullStrings is an all-NULL string column (an Arrow null-typed column).
type nullStrings struct{}

func (nullStrings) IsNull(int) bool  { return true }
func (nullStrings) Value(int) string { return "" }

// timeColumn reads a timestamp column as whole seconds since the Unix epoch
// (rounded down, so a comparison with a whole-second boundary is exact).
type timeColumn struct {
	a    arrow.Array
	vals []arrow.Timestamp
	per  int64 // units per second
	null bool  // all-NULL column
}

func tsColumn(rec arrow.RecordBatch, name string) (*timeColumn, error) {
	c := findColumn(rec, name)
	if c == nil {
		return nil, fmt.Errorf("column %q not found: %w", name, ErrBadColumn)
	}
	switch a := c.(type) {
	case *array.Timestamp:
		per := int64(1)
		switch a.DataType().(*arrow.TimestampType).Unit {
		case arrow.Millisecond:
			per = 1e3
		case arrow.Microsecond:
			per = 1e6
		case arrow.Nanosecond:
			per = 1e9
		}
		return &timeColumn{a: a, vals: a.TimestampValues(), per: per}, nil
	case *array.Null:
		return &timeColumn{a: a, null: true}, nil
	}
	return nil, fmt.Errorf("column %q has type %s, want timestamp: %w", name, c.DataType(), ErrBadColumn)
}

// sec returns the value at i in seconds and false when it is NULL.
func (t *timeColumn) sec(i int) (int64, bool) {
	if t.null || t.a.IsNull(i) {
		return 0, false
	}
	v := int64(t.vals[i])
	if t.per == 1 {
		return clampSec(v), true
	}
	q := v / t.per
	if v%t.per < 0 {
		q--
	}
	return clampSec(q), true
}

func clampSec(s int64) int64 {
	if s < minSec {
		return minSec
	}
	if s > maxSec {
		return maxSec
	}
	return s
}
