package publish

import (
	"context"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// byCustomer returns the rows of recs (one schema, customer_id a string
// column) as one batch in customer_id order, the order of a segment file;
// nil when there are none. The caller releases it.
//
// Segment files are written in customer order. The tags are read
// unordered and each segment's members sorted here: sorting a segment's
// members costs a fraction of sorting every customer's wide tag row in
// the query. Ids compare as bytes, as the warehouse's ORDER BY on a
// VARCHAR does; a customer is one tag row, so there are no ties.
func byCustomer(recs []arrow.RecordBatch) (arrow.RecordBatch, error) {
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	if n == 0 {
		return nil, nil
	}
	schema := recs[0].Schema()
	idCol := schema.FieldIndices("customer_id")
	if len(idCol) != 1 {
		return nil, fmt.Errorf("segment members: no customer_id column in %s", schema)
	}
	mem := memory.DefaultAllocator
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for j := range cols {
		parts := make([]arrow.Array, len(recs))
		for i, r := range recs {
			parts[i] = r.Column(j)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, fmt.Errorf("segment members: %w", err)
		}
		cols[j] = c
	}
	ids, ok := cols[idCol[0]].(interface{ Value(int) string })
	if !ok {
		return nil, fmt.Errorf("segment members: customer_id is %s, not a string", cols[idCol[0]].DataType())
	}
	order := make([]int64, n)
	for i := range order {
		order[i] = int64(i)
	}
	sort.SliceStable(order, func(a, b int) bool { return ids.Value(int(order[a])) < ids.Value(int(order[b])) })
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.AppendValues(order, nil)
	idx := ib.NewArray()
	defer idx.Release()
	all := array.NewRecordBatch(schema, cols, n)
	defer all.Release()
	out, err := compute.Take(context.Background(), *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(all), compute.NewDatumWithoutOwning(idx))
	if err != nil {
		return nil, fmt.Errorf("segment members: %w", err)
	}
	rd, ok := out.(*compute.RecordDatum)
	if !ok {
		out.Release()
		return nil, fmt.Errorf("segment members: take returned %s", out.Kind())
	}
	return rd.Value, nil
}
