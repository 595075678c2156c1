package cohort

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchData generates nCust customers with about ordersPerCust orders each
// over three years, in batches of 122,880 rows (DuckDB's Arrow batch size).
func benchData(b *testing.B, nCust, ordersPerCust int) (orders, customers []arrow.RecordBatch, asOf time.Time) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, shanghai)
	asOf = time.Date(2024, 12, 31, 0, 0, 0, 0, shanghai)
	span := asOf.Sub(start).Microseconds()
	const batch = 122880
	ordSchema := arrow.NewSchema([]arrow.Field{
		{Name: ColCustomer, Type: arrow.PrimitiveTypes.Int32},
		{Name: ColOrderTS, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: ColNetAmount, Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	ob := array.NewRecordBuilder(memory.DefaultAllocator, ordSchema)
	defer ob.Release()
	flush := func(bld *array.RecordBuilder, out *[]arrow.RecordBatch) {
		*out = append(*out, bld.NewRecordBatch())
	}
	rows := 0
	for c := 0; c < nCust; c++ {
		n := 1 + r.IntN(2*ordersPerCust-1)
		t0 := r.Int64N(span)
		for k := 0; k < n; k++ {
			ts := t0
			if k > 0 {
				ts = t0 + r.Int64N(span-t0+1)
			}
			ob.Field(0).(*array.Int32Builder).Append(int32(c))
			ob.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(start.UnixMicro() + ts))
			ob.Field(2).(*array.Float64Builder).Append(float64(r.IntN(50000)) / 100)
			rows++
			if rows%batch == 0 {
				flush(ob, &orders)
			}
		}
	}
	flush(ob, &orders)
	cs := arrow.NewSchema([]arrow.Field{
		{Name: ColCustomer, Type: arrow.PrimitiveTypes.Int32},
		{Name: "first_channel", Type: arrow.BinaryTypes.String},
		{Name: "region", Type: arrow.BinaryTypes.String},
		{Name: "first_category", Type: arrow.BinaryTypes.String},
	}, nil)
	cb := array.NewRecordBuilder(memory.DefaultAllocator, cs)
	defer cb.Release()
	channels := []string{"tmall", "jd", "shopify", "pos"}
	for c := 0; c < nCust; c++ {
		cb.Field(0).(*array.Int32Builder).Append(int32(c))
		cb.Field(1).(*array.StringBuilder).Append(channels[r.IntN(4)])
		cb.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("region-%02d", r.IntN(30)))
		cb.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("category-%02d", r.IntN(20)))
		if (c+1)%batch == 0 {
			flush(cb, &customers)
		}
	}
	flush(cb, &customers)
	return orders, customers, asOf
}

// BenchmarkCompute1M: 1 million customers, about 4 million orders over 36
// months, split by three dimensions (4 + 30 + 20 values).
func BenchmarkCompute1M(b *testing.B) {
	orders, customers, asOf := benchData(b, 1_000_000, 4)
	defer func() {
		for _, r := range append(orders, customers...) {
			r.Release()
		}
	}()
	opts := Options{AsOf: asOf, Location: shanghai, Dimensions: []string{"first_channel", "region", "first_category"}}
	b.ResetTimer()
	for b.Loop() {
		res, err := Compute(orders, customers, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Purchases), "orders")
		b.ReportMetric(float64(len(res.Cells)), "cells")
	}
}
