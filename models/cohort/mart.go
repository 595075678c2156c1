package cohort

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// MartSchema is the schema of the cohort_retention mart written by Record.
var MartSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "dimension", Type: arrow.BinaryTypes.String},
	{Name: "dimension_value", Type: arrow.BinaryTypes.String},
	{Name: "cohort_month", Type: arrow.BinaryTypes.String},
	{Name: "months_since", Type: arrow.PrimitiveTypes.Int32},
	{Name: "cohort_size", Type: arrow.PrimitiveTypes.Int64},
	{Name: "customers_active", Type: arrow.PrimitiveTypes.Int64},
	{Name: "retention_pct", Type: arrow.PrimitiveTypes.Float64},
	{Name: "revenue", Type: arrow.PrimitiveTypes.Float64},
	{Name: "cum_revenue_per_customer", Type: arrow.PrimitiveTypes.Float64},
}, nil)

// Date32 returns the arrow date32 of t's calendar date in t's own location
// (not of its UTC instant, which can be the previous day east of UTC).
func Date32(t time.Time) arrow.Date32 {
	y, m, d := t.Date()
	return arrow.Date32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Record returns the cells as one record batch with MartSchema, as_of set
// to asOf's calendar date. The caller releases it.
func (r *Result) Record(mem memory.Allocator, asOf time.Time) arrow.RecordBatch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewRecordBuilder(mem, MartSchema)
	defer b.Release()
	n := len(r.Cells)
	for _, f := range b.Fields() {
		f.Reserve(n)
	}
	day := Date32(asOf)
	asOfB := b.Field(0).(*array.Date32Builder)
	dimB := b.Field(1).(*array.StringBuilder)
	valB := b.Field(2).(*array.StringBuilder)
	monB := b.Field(3).(*array.StringBuilder)
	kB := b.Field(4).(*array.Int32Builder)
	sizeB := b.Field(5).(*array.Int64Builder)
	actB := b.Field(6).(*array.Int64Builder)
	retB := b.Field(7).(*array.Float64Builder)
	revB := b.Field(8).(*array.Float64Builder)
	cumB := b.Field(9).(*array.Float64Builder)
	for _, c := range r.Cells {
		asOfB.Append(day)
		dimB.Append(c.Dimension)
		valB.Append(c.Value)
		monB.Append(c.CohortMonth)
		kB.Append(int32(c.MonthsSince))
		sizeB.Append(c.CohortSize)
		actB.Append(c.Active)
		retB.Append(c.RetentionPct)
		revB.Append(c.Revenue)
		cumB.Append(c.CumRevenuePerCustomer)
	}
	return b.NewRecordBatch()
}
