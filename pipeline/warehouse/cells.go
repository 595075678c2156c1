package warehouse

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// NumRows is the number of rows of recs.
func NumRows(recs []arrow.RecordBatch) int64 {
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	return n
}

// Release releases record batches returned by Query.
func Release(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// StringAt reads a cell as text ("" for null). The string is a copy: it
// stays valid after the batch is released (batches from DuckDB free their
// buffers in C).
func StringAt(rec arrow.RecordBatch, col, i int) string {
	c := rec.Column(col)
	if c.IsNull(i) {
		return ""
	}
	switch a := c.(type) {
	case *array.String:
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	}
	return strings.Clone(c.ValueStr(i))
}

// Int64At reads an integer cell (0 for null or a non-numeric column).
func Int64At(rec arrow.RecordBatch, col, i int) int64 {
	c := rec.Column(col)
	if c.IsNull(i) {
		return 0
	}
	switch a := c.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Float64:
		return int64(a.Value(i))
	}
	return 0
}

// FloatAt reads a numeric cell as float64 (0 for null).
func FloatAt(rec arrow.RecordBatch, col, i int) float64 {
	c := rec.Column(col)
	if c.IsNull(i) {
		return 0
	}
	switch a := c.(type) {
	case *array.Float64:
		return a.Value(i)
	case *array.Int64:
		return float64(a.Value(i))
	case *array.Int32:
		return float64(a.Value(i))
	case *array.Decimal128:
		return a.Value(i).ToFloat64(a.DataType().(*arrow.Decimal128Type).Scale)
	}
	f, _ := strconv.ParseFloat(c.ValueStr(i), 64)
	return f
}

// TimeAt reads a timestamp cell (the zero time for null or another type).
func TimeAt(rec arrow.RecordBatch, col, i int) time.Time {
	c := rec.Column(col)
	if c.IsNull(i) {
		return time.Time{}
	}
	if a, ok := c.(*array.Timestamp); ok {
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit)
	}
	return time.Time{}
}
