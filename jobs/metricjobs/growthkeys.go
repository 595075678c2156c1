package metricjobs

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// growth_contrib stores a contribution's period, first channel and region
// as one integer key into growth_keys instead of three strings: the key
// space is a few thousand (months × channels × regions) against millions
// of contribution rows, and the strings were about half of the table's
// write. growth_keys only grows between full recomputes, which rebuild it;
// growth_cells.sql sums per key and then joins the keys.

// growthStoredSchema is growth_contrib: metrics.GrowthContribSchema with
// period, first_channel and region replaced by key.
var growthStoredSchema = arrow.NewSchema([]arrow.Field{
	{Name: "computed_as_of", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "key", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "buyers", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "new_customers", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "returning_customers", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "reactivated_customers", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "reactivations", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "churned", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// growthKeysSchema is growth_keys: what each key of growth_contrib stands for.
var growthKeysSchema = arrow.NewSchema([]arrow.Field{
	{Name: "key", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "period", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "first_channel", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// growthKeyer numbers (period, first_channel, region) triples.
type growthKeyer struct {
	keys  map[[3]string]int32
	added [][3]string // triples numbered in this run, in key order after the stored ones
	next  int32
}

// newGrowthKeyer starts from the stored keys (growth_keys rows; none on a
// full recompute).
func newGrowthKeyer(stored []arrow.RecordBatch) (*growthKeyer, error) {
	k := &growthKeyer{keys: map[[3]string]int32{}}
	for bi, rec := range stored {
		if !rec.Schema().Equal(growthKeysSchema) {
			return nil, fmt.Errorf("growth_keys batch %d has schema %s, want %s", bi, rec.Schema(), growthKeysSchema)
		}
		keys := rec.Column(0).(*array.Int32)
		for i := 0; i < int(rec.NumRows()); i++ {
			t := [3]string{warehouse.StringAt(rec, 1, i), warehouse.StringAt(rec, 2, i), warehouse.StringAt(rec, 3, i)}
			if keys.IsNull(i) {
				return nil, fmt.Errorf("growth_keys batch %d row %d (%v): key is NULL", bi, i, t)
			}
			k.keys[t] = keys.Value(i)
			k.next = max(k.next, keys.Value(i)+1)
		}
	}
	return k, nil
}

// encode turns contribution batches (metrics.GrowthContribSchema) into
// growth_contrib batches (growthStoredSchema); the caller releases both.
func (k *growthKeyer) encode(recs []arrow.RecordBatch) ([]arrow.RecordBatch, error) {
	var out []arrow.RecordBatch
	for bi, rec := range recs {
		if !rec.Schema().Equal(metrics.GrowthContribSchema) {
			warehouse.Release(out)
			return nil, fmt.Errorf("growth contributions batch %d has schema %s", bi, rec.Schema())
		}
		period, ch, reg := rec.Column(2).(*array.String), rec.Column(3).(*array.String), rec.Column(4).(*array.String)
		b := array.NewInt32Builder(memory.DefaultAllocator)
		b.Reserve(int(rec.NumRows()))
		var last [3]string
		lastKey := int32(-1)
		for i := 0; i < int(rec.NumRows()); i++ {
			t := [3]string{period.Value(i), ch.Value(i), reg.Value(i)}
			if lastKey < 0 || t != last {
				key, ok := k.keys[t]
				if !ok {
					key = k.next
					k.next++
					k.keys[t] = key
					k.added = append(k.added, t)
				}
				last, lastKey = t, key
			}
			b.Append(lastKey)
		}
		keyCol := b.NewArray()
		b.Release()
		cols := []arrow.Array{rec.Column(0), rec.Column(1), keyCol}
		for j := 5; j < int(rec.NumCols()); j++ {
			cols = append(cols, rec.Column(j))
		}
		out = append(out, array.NewRecordBatch(growthStoredSchema, cols, rec.NumRows()))
		keyCol.Release()
	}
	return out, nil
}

// addedKeys is the growth_keys rows of the triples numbered in this run.
func (k *growthKeyer) addedKeys() arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, growthKeysSchema)
	defer b.Release()
	first := k.next - int32(len(k.added))
	for i, t := range k.added {
		b.Field(0).(*array.Int32Builder).Append(first + int32(i))
		for j := 0; j < 3; j++ {
			b.Field(1 + j).(*array.StringBuilder).Append(t[j])
		}
	}
	return b.NewRecordBatch()
}
