package segmentfile

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkWrite100k exports 100,000 customers (the default columns) in
// each format and privacy mode.
func BenchmarkWrite100k(b *testing.B) {
	const n = 100_000
	fields := []arrow.Field{}
	for _, c := range DefaultColumns[:7] {
		fields = append(fields, arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	fields = append(fields, arrow.Field{Name: "clv_decile", Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer rb.Release()
	regions := []string{"华东", "华北", "华南", "西南"}
	for i := 0; i < n; i++ {
		rb.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("C%08d", i))
		rb.Field(1).(*array.StringBuilder).Append("张三丰")
		rb.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("+86138%08d", i))
		rb.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("user%d@example.com", i))
		rb.Field(4).(*array.StringBuilder).Append(regions[i%4])
		rb.Field(5).(*array.StringBuilder).Append("dormant")
		rb.Field(6).(*array.StringBuilder).Append("P")
		rb.Field(7).(*array.Int64Builder).Append(int64(1 + i%10))
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	dir := b.TempDir()
	for _, format := range Formats {
		for _, privacy := range []string{"none", "mask", "hash"} {
			b.Run(format+"/"+privacy, func(b *testing.B) {
				path := filepath.Join(dir, "bench."+format)
				for b.Loop() {
					if _, err := Write(rec, path, format, Options{Privacy: privacy, Salt: []byte("salt")}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
