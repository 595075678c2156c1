package lifecycle

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Mart table names.
const (
	StageTable  = "lifecycle_stage"
	CountsTable = "lifecycle_counts"
	FlowsTable  = "lifecycle_flows"
)

// StageSchema is the schema of lifecycle_stage: one row per customer with a
// stage at as_of.
var StageSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "customer_id", Type: arrow.BinaryTypes.String},
	{Name: "aipl_stage", Type: arrow.BinaryTypes.String},
	{Name: "pyramid_stage", Type: arrow.BinaryTypes.String},
	{Name: "channel", Type: arrow.BinaryTypes.String},
}, nil)

// CountsSchema is the schema of lifecycle_counts (see Result.Counts).
var CountsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "view", Type: arrow.BinaryTypes.String},
	{Name: "channel", Type: arrow.BinaryTypes.String},
	{Name: "stage", Type: arrow.BinaryTypes.String},
	{Name: "customers", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// FlowsSchema is the schema of lifecycle_flows (see Result.Flows); rate is
// NULL for entries and for stages empty at prev_as_of.
var FlowsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "prev_as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "view", Type: arrow.BinaryTypes.String},
	{Name: "from_stage", Type: arrow.BinaryTypes.String},
	{Name: "to_stage", Type: arrow.BinaryTypes.String},
	{Name: "customers", Type: arrow.PrimitiveTypes.Int64},
	{Name: "rate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

// date32 converts a calendar date (in t's location) to an Arrow date.
func date32(t time.Time) arrow.Date32 {
	y, m, d := t.Date()
	return arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// StageRecord returns the stages at AsOf as a lifecycle_stage batch; the
// caller releases it. A nil mem means the Go allocator.
func (r *Result) StageRecord(mem memory.Allocator) arrow.RecordBatch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewRecordBuilder(mem, StageSchema)
	defer b.Release()
	n := len(r.Customers)
	asOf := b.Field(0).(*array.Date32Builder)
	id := b.Field(1).(*array.StringBuilder)
	aipl := b.Field(2).(*array.StringBuilder)
	pyr := b.Field(3).(*array.StringBuilder)
	ch := b.Field(4).(*array.StringBuilder)
	asOf.Reserve(n)
	for _, sb := range []*array.StringBuilder{id, aipl, pyr, ch} {
		sb.Reserve(n)
	}
	var idBytes, chBytes int
	for i := range r.Customers {
		idBytes += len(r.Customers[i].CustomerID)
		chBytes += len(r.Customers[i].Channel)
	}
	id.ReserveData(idBytes)
	ch.ReserveData(chBytes)
	aipl.ReserveData(n * 10)
	pyr.ReserveData(n * 14)
	d := date32(r.AsOf)
	for i := range r.Customers {
		c := &r.Customers[i]
		asOf.UnsafeAppend(d)
		id.Append(c.CustomerID)
		aipl.Append(c.AIPL.String())
		pyr.Append(c.Pyramid.String())
		ch.Append(c.Channel)
	}
	return b.NewRecordBatch()
}

// CountsRecord returns Counts as a lifecycle_counts batch; the caller
// releases it.
func (r *Result) CountsRecord(mem memory.Allocator) arrow.RecordBatch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewRecordBuilder(mem, CountsSchema)
	defer b.Release()
	d := date32(r.AsOf)
	for _, c := range r.Counts {
		b.Field(0).(*array.Date32Builder).Append(d)
		b.Field(1).(*array.StringBuilder).Append(c.View)
		b.Field(2).(*array.StringBuilder).Append(c.Channel)
		b.Field(3).(*array.StringBuilder).Append(c.Stage)
		b.Field(4).(*array.Int64Builder).Append(c.Customers)
	}
	return b.NewRecordBatch()
}

// FlowsRecord returns Flows as a lifecycle_flows batch; the caller releases
// it.
func (r *Result) FlowsRecord(mem memory.Allocator) arrow.RecordBatch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewRecordBuilder(mem, FlowsSchema)
	defer b.Release()
	d, p := date32(r.AsOf), date32(r.PrevAsOf)
	for _, f := range r.Flows {
		b.Field(0).(*array.Date32Builder).Append(d)
		b.Field(1).(*array.Date32Builder).Append(p)
		b.Field(2).(*array.StringBuilder).Append(f.View)
		b.Field(3).(*array.StringBuilder).Append(f.From)
		b.Field(4).(*array.StringBuilder).Append(f.To)
		b.Field(5).(*array.Int64Builder).Append(f.Customers)
		if f.HasRate {
			b.Field(6).(*array.Float64Builder).Append(f.Rate)
		} else {
			b.Field(6).(*array.Float64Builder).AppendNull()
		}
	}
	return b.NewRecordBatch()
}
