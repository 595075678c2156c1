package valuejobs

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestCohortKeyer: a stored key is reused (NULL attributes included), a
// NULL attribute and an empty one are different keys, and new keys follow
// the largest stored one.
func TestCohortKeyer(t *testing.T) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, cohortKeysSchema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).Append(3)
	b.Field(1).(*array.Int32Builder).Append(24300) // 2025-01
	b.Field(2).(*array.StringBuilder).Append("tmall")
	b.Field(3).AppendNull()
	b.Field(4).(*array.StringBuilder).Append("Tea")
	stored := b.NewRecordBatch()
	defer stored.Release()
	k, err := newCohortKeyer([]arrow.RecordBatch{stored})
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		name   string
		cohort int32
		attrs  [3]*string
		want   int32
	}{
		{"stored, region NULL", 24300, [3]*string{s("tmall"), nil, s("Tea")}, 3},
		{"region empty, not NULL", 24300, [3]*string{s("tmall"), s(""), s("Tea")}, 4},
		{"another cohort month", 24301, [3]*string{s("tmall"), nil, s("Tea")}, 5},
		{"stored again", 24300, [3]*string{s("tmall"), nil, s("Tea")}, 3},
		{"new again", 24301, [3]*string{s("tmall"), nil, s("Tea")}, 5},
	} {
		if got := k.key(c.cohort, c.attrs); got != c.want {
			t.Errorf("%s: key %d, want %d", c.name, got, c.want)
		}
	}
	added := k.addedKeys()
	defer added.Release()
	if added.NumRows() != 2 || added.Column(0).(*array.Int32).Value(0) != 4 || warehouse.StringAt(added, 3, 0) != "" || added.Column(3).IsNull(0) ||
		added.Column(0).(*array.Int32).Value(1) != 5 || added.Column(1).(*array.Int32).Value(1) != 24301 || !added.Column(3).IsNull(1) {
		t.Errorf("added keys %v", added)
	}
}
