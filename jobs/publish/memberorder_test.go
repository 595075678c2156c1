package publish

import (
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// byCustomer puts the members of several batches in customer_id order
// (bytes, as the warehouse's ORDER BY), every column following its row.
func TestByCustomer(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "clv", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "phone", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	batch := func(ids []string, clv []float64, phones []string) arrow.RecordBatch {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		b.Field(0).(*array.StringBuilder).AppendValues(ids, nil)
		b.Field(1).(*array.Float64Builder).AppendValues(clv, nil)
		for _, p := range phones {
			if p == "" {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.StringBuilder).Append(p)
			}
		}
		return b.NewRecordBatch()
	}
	for _, tc := range []struct {
		name string
		recs []arrow.RecordBatch
		want string // id/clv/phone rows in order
	}{
		{"two batches out of order", []arrow.RecordBatch{
			batch([]string{"c10", "C9", "c2"}, []float64{1.5, 2, 3}, []string{"138", "", "139"}),
			batch([]string{"c1", "c100"}, []float64{4, 5}, []string{"", "137"}),
		}, "C9/2/NULL c1/4/NULL c10/1.5/138 c100/5/137 c2/3/139"},
		{"an empty batch among them", []arrow.RecordBatch{
			batch(nil, nil, nil), batch([]string{"b", "a"}, []float64{1, 2}, []string{"1", "2"}),
		}, "a/2/2 b/1/1"},
		{"no rows", []arrow.RecordBatch{batch(nil, nil, nil)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer warehouse.Release(tc.recs)
			got, err := byCustomer(tc.recs)
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			if got != nil {
				defer got.Release()
				for i := 0; i < int(got.NumRows()); i++ {
					phone := "NULL"
					if got.Column(2).IsValid(i) {
						phone = warehouse.StringAt(got, 2, i)
					}
					rows = append(rows, warehouse.StringAt(got, 0, i)+"/"+strconv.FormatFloat(warehouse.FloatAt(got, 1, i), 'g', -1, 64)+"/"+phone)
				}
			}
			if s := strings.Join(rows, " "); s != tc.want {
				t.Fatalf("byCustomer = %q, want %q", s, tc.want)
			}
		})
	}
}
