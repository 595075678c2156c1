package metricjobs

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestGrowthKeyer: stored keys are reused, a new triple gets the next key
// after the largest stored one (keys need not be dense), and the same
// triple on two rows, adjacent or not, gets one key.
func TestGrowthKeyer(t *testing.T) {
	kb := array.NewRecordBuilder(memory.DefaultAllocator, growthKeysSchema)
	defer kb.Release()
	for _, k := range []struct {
		key                int32
		period, ch, region string
	}{{0, "2025-01", "tmall", "East"}, {5, "2025-02", "pos", "North"}} {
		kb.Field(0).(*array.Int32Builder).Append(k.key)
		kb.Field(1).(*array.StringBuilder).Append(k.period)
		kb.Field(2).(*array.StringBuilder).Append(k.ch)
		kb.Field(3).(*array.StringBuilder).Append(k.region)
	}
	stored := kb.NewRecordBatch()
	defer stored.Release()
	keyer, err := newGrowthKeyer([]arrow.RecordBatch{stored})
	if err != nil {
		t.Fatal(err)
	}
	cb := array.NewRecordBuilder(memory.DefaultAllocator, metrics.GrowthContribSchema)
	defer cb.Release()
	rows := [][3]string{
		{"2025-02", "pos", "North"},  // stored: 5
		{"2025-03", "pos", "North"},  // new: 6
		{"2025-03", "pos", "North"},  // 6 again (adjacent)
		{"2025-01", "tmall", "East"}, // stored: 0
		{"2025-03", "jd", "unknown"}, // new: 7
		{"2025-03", "pos", "North"},  // 6 again (not adjacent)
	}
	for i, r := range rows {
		cb.Field(0).(*array.Date32Builder).Append(arrow.Date32(20000))
		cb.Field(1).(*array.StringBuilder).Append("C" + string(rune('1'+i)))
		for j := 0; j < 3; j++ {
			cb.Field(2 + j).(*array.StringBuilder).Append(r[j])
		}
		for j := 5; j < 11; j++ {
			cb.Field(j).(*array.Int64Builder).Append(int64(j))
		}
	}
	contrib := cb.NewRecordBatch()
	defer contrib.Release()
	out, err := keyer.encode([]arrow.RecordBatch{contrib})
	if err != nil {
		t.Fatal(err)
	}
	defer warehouse.Release(out)
	if !out[0].Schema().Equal(growthStoredSchema) {
		t.Fatalf("schema %s", out[0].Schema())
	}
	want := []int32{5, 6, 6, 0, 7, 6}
	keys := out[0].Column(2).(*array.Int32)
	for i, w := range want {
		if keys.Value(i) != w {
			t.Errorf("row %d (%v): key %d, want %d", i, rows[i], keys.Value(i), w)
		}
	}
	if got := out[0].Column(8).(*array.Int64).Value(0); got != 10 { // churned, the last count
		t.Errorf("churned %d, want 10", got)
	}
	added := keyer.addedKeys()
	defer added.Release()
	if added.NumRows() != 2 || added.Column(0).(*array.Int32).Value(0) != 6 || added.Column(0).(*array.Int32).Value(1) != 7 ||
		warehouse.StringAt(added, 1, 1) != "2025-03" || warehouse.StringAt(added, 2, 1) != "jd" || warehouse.StringAt(added, 3, 1) != "unknown" {
		t.Errorf("added keys %v", added)
	}
}
