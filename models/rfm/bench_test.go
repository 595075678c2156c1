package rfm

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkCompute1M: 1 million customers, about 4 million orders over three
// years, in batches of 122,880 rows (DuckDB's Arrow batch size).
func BenchmarkCompute1M(b *testing.B) {
	const nCust, batch = 1_000_000, 122880
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, shanghai)
	asOf := time.Date(2024, 12, 31, 0, 0, 0, 0, shanghai)
	span := asOf.Sub(start).Microseconds()
	ob := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: ColCustomer, Type: arrow.PrimitiveTypes.Int32},
		{Name: ColOrderTS, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: ColNetAmount, Type: arrow.PrimitiveTypes.Float64},
	}, nil))
	defer ob.Release()
	cb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: ColCustomer, Type: arrow.PrimitiveTypes.Int32},
		{Name: ColCustomerID, Type: arrow.BinaryTypes.String},
	}, nil))
	defer cb.Release()
	var orders, customers []arrow.RecordBatch
	rows := 0
	for c := 0; c < nCust; c++ {
		cb.Field(0).(*array.Int32Builder).Append(int32(c))
		cb.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("C%09d", c))
		if (c+1)%batch == 0 {
			customers = append(customers, cb.NewRecordBatch())
		}
		for k := 1 + r.IntN(7); k > 0; k-- {
			ob.Field(0).(*array.Int32Builder).Append(int32(c))
			ob.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(start.UnixMicro() + r.Int64N(span)))
			ob.Field(2).(*array.Float64Builder).Append(float64(r.IntN(50000)) / 100)
			if rows++; rows%batch == 0 {
				orders = append(orders, ob.NewRecordBatch())
			}
		}
	}
	orders = append(orders, ob.NewRecordBatch())
	customers = append(customers, cb.NewRecordBatch())
	defer func() {
		for _, r := range append(orders, customers...) {
			r.Release()
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		res, err := Compute(orders, customers, Options{AsOf: asOf, Location: shanghai})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Purchases), "orders")
		b.ReportMetric(float64(res.Len()), "customers")
	}
}
