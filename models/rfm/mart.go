package rfm

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// MartSchema is the schema of the rfm mart written by Record.
var MartSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "customer_id", Type: arrow.BinaryTypes.String},
	{Name: "recency_days", Type: arrow.PrimitiveTypes.Int32},
	{Name: "frequency", Type: arrow.PrimitiveTypes.Int64},
	{Name: "monetary", Type: arrow.PrimitiveTypes.Float64},
	{Name: "r_score", Type: arrow.PrimitiveTypes.Int32},
	{Name: "f_score", Type: arrow.PrimitiveTypes.Int32},
	{Name: "m_score", Type: arrow.PrimitiveTypes.Int32},
	{Name: "rfm_score", Type: arrow.PrimitiveTypes.Int32},
	{Name: "tier", Type: arrow.BinaryTypes.String},
	{Name: "action", Type: arrow.BinaryTypes.String},
}, nil)

// Record returns the scores as record batches of at most batchRows rows
// (0: one batch) with MartSchema, as_of set to asOf's calendar date (in
// asOf's own location). The caller releases them.
func (r *Result) Record(mem memory.Allocator, asOf time.Time, batchRows int) []arrow.RecordBatch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	n := r.Len()
	if batchRows <= 0 || batchRows > n {
		batchRows = n
	}
	y, m, d := asOf.Date()
	day := arrow.Date32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	b := array.NewRecordBuilder(mem, MartSchema)
	defer b.Release()
	asOfB := b.Field(0).(*array.Date32Builder)
	idB := b.Field(1).(*array.StringBuilder)
	recB := b.Field(2).(*array.Int32Builder)
	freqB := b.Field(3).(*array.Int64Builder)
	monB := b.Field(4).(*array.Float64Builder)
	rB := b.Field(5).(*array.Int32Builder)
	fB := b.Field(6).(*array.Int32Builder)
	mB := b.Field(7).(*array.Int32Builder)
	sB := b.Field(8).(*array.Int32Builder)
	tierB := b.Field(9).(*array.StringBuilder)
	actB := b.Field(10).(*array.StringBuilder)
	var out []arrow.RecordBatch
	for start := 0; start < n || (n == 0 && out == nil); start += batchRows {
		end := min(start+batchRows, n)
		for _, f := range b.Fields() {
			f.Reserve(end - start)
		}
		for i := start; i < end; i++ {
			asOfB.Append(day)
			idB.Append(r.CustomerID[i])
			recB.Append(r.RecencyDays[i])
			freqB.Append(r.Frequency[i])
			monB.Append(r.Monetary[i])
			rB.Append(int32(r.R[i]))
			fB.Append(int32(r.F[i]))
			mB.Append(int32(r.M[i]))
			sB.Append(int32(r.R[i]) + int32(r.F[i]) + int32(r.M[i]))
			tierB.Append(string(r.Tier[i]))
			actB.Append(r.Tier[i].Action())
		}
		out = append(out, b.NewRecordBatch())
		if n == 0 {
			break
		}
	}
	return out
}
