package reports

import (
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// SafeCell neutralises spreadsheet formula injection: a text value starting
// with =, +, -, @, tab or carriage return is prefixed with a single quote so
// spreadsheet programs show it as text instead of evaluating it.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Money formats v with thousands separators and two decimals.
func Money(v float64) string {
	neg := v < 0
	v = math.Abs(v)
	s := strconv.FormatFloat(v, 'f', 2, 64)
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + frac
	if neg {
		out = "-" + out
	}
	return out
}

// ReleaseAll releases record batches.
func ReleaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// StringAt reads a string cell ("" for null) as a copy that stays valid
// after the batch is released.
func StringAt(rec arrow.RecordBatch, col, i int) string {
	c := rec.Column(col)
	if c.IsNull(i) {
		return ""
	}
	if s, ok := c.(*array.String); ok {
		return strings.Clone(s.Value(i))
	}
	return strings.Clone(c.ValueStr(i))
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
		dt := a.DataType().(*arrow.Decimal128Type)
		return a.Value(i).ToFloat64(dt.Scale)
	}
	f, _ := strconv.ParseFloat(c.ValueStr(i), 64)
	return f
}
