package metrics

import (
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/crmkit/crmkit/models/days"
)

// batchRows is the most rows put in one output batch.
const batchRows = 1 << 16

var (
	tString = arrow.BinaryTypes.String
	tInt    = arrow.PrimitiveTypes.Int64
	tFloat  = arrow.PrimitiveTypes.Float64
	tDate   = arrow.FixedWidthTypes.Date32
	tBool   = arrow.FixedWidthTypes.Boolean
)

func field(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

// writer appends rows to record batches of one schema, starting a new
// batch every batchRows rows.
type writer struct {
	schema *arrow.Schema
	b      *array.RecordBuilder
	n      int
	out    []arrow.RecordBatch
	col    int
	asOf   arrow.Date32
}

func newWriter(schema *arrow.Schema, asOf time.Time) *writer {
	y, m, d := asOf.Date()
	return &writer{schema: schema, b: array.NewRecordBuilder(memory.DefaultAllocator, schema), asOf: arrow.Date32(days.FromCivil(y, int(m), d))}
}

// row starts a row; the first column is always as_of.
func (w *writer) row() {
	if w.n == batchRows {
		w.flush()
	}
	w.n++
	w.col = 0
	w.date(w.asOf)
}

func (w *writer) next() array.Builder {
	b := w.b.Field(w.col)
	w.col++
	return b
}

func (w *writer) date(d arrow.Date32) { w.next().(*array.Date32Builder).Append(d) }

// str appends s, NULL when empty.
func (w *writer) str(s string) {
	b := w.next().(*array.StringBuilder)
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}

func (w *writer) i64(v int64) { w.next().(*array.Int64Builder).Append(v) }

// f64 appends v, NULL when NaN or infinite.
func (w *writer) f64(v float64) {
	b := w.next().(*array.Float64Builder)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		b.AppendNull()
		return
	}
	b.Append(v)
}

func (w *writer) boolean(v bool) { w.next().(*array.BooleanBuilder).Append(v) }

func (w *writer) flush() {
	if w.n == 0 {
		return
	}
	w.out = append(w.out, w.b.NewRecordBatch())
	w.n = 0
}

// done returns the batches (the caller releases them).
func (w *writer) done() []arrow.RecordBatch {
	w.flush()
	w.b.Release()
	return w.out
}

// ratio is a/b, NaN when b is zero.
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// i64n appends v, or NULL when !ok.
func (w *writer) i64n(v int64, ok bool) {
	b := w.next().(*array.Int64Builder)
	if !ok {
		b.AppendNull()
		return
	}
	b.Append(v)
}

// null appends NULL to the next column.
func (w *writer) null() { w.next().AppendNull() }
