package valuejobs

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// cohort_activity stores a member's cohort month and attributes as one
// integer key into cohort_keys instead of repeating the three strings on
// each of its rows (a few million at 1M customers, against a few thousand
// keys): the strings were most of the full run's write. cohort_keys only
// grows between full recomputes, which rebuild it; sql/cohort/cells.sql
// sums the activity per key and month, then spells the keys out.

// cohortKeysSchema is cohort_keys: what each key of cohort_activity
// stands for (attributes NULL where the member's are).
var cohortKeysSchema = arrow.NewSchema([]arrow.Field{
	{Name: "key", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "cohort_ix", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "first_channel", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "first_category", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// cohortKey is what a key stands for: the cohort month and the three
// attributes, each with whether it is set.
type cohortKey struct {
	cohort int32
	attr   [3]string
	set    [3]bool
}

// cohortKeyer numbers cohort keys.
type cohortKeyer struct {
	keys  map[cohortKey]int32
	added []cohortKey // keys numbered in this run, in key order after the stored ones
	next  int32
}

// newCohortKeyer starts from the stored keys (cohort_keys rows; none on a
// full recompute).
func newCohortKeyer(stored []arrow.RecordBatch) (*cohortKeyer, error) {
	k := &cohortKeyer{keys: map[cohortKey]int32{}}
	for bi, rec := range stored {
		if !rec.Schema().Equal(cohortKeysSchema) {
			return nil, fmt.Errorf("cohort_keys batch %d has schema %s, want %s", bi, rec.Schema(), cohortKeysSchema)
		}
		keys, cohorts := rec.Column(0).(*array.Int32), rec.Column(1).(*array.Int32)
		for i := 0; i < int(rec.NumRows()); i++ {
			if keys.IsNull(i) || cohorts.IsNull(i) {
				return nil, fmt.Errorf("cohort_keys batch %d row %d: key or cohort_ix is NULL", bi, i)
			}
			ck := cohortKey{cohort: cohorts.Value(i)}
			for j := 0; j < 3; j++ {
				if c := rec.Column(2 + j).(*array.String); c.IsValid(i) {
					ck.attr[j], ck.set[j] = c.Value(i), true
				}
			}
			k.keys[ck] = keys.Value(i)
			k.next = max(k.next, keys.Value(i)+1)
		}
	}
	return k, nil
}

// key returns the key of cohort month cohort and attributes attrs (nil:
// NULL), numbering it when new.
func (k *cohortKeyer) key(cohort int32, attrs [3]*string) int32 {
	ck := cohortKey{cohort: cohort}
	for j, v := range attrs {
		if v != nil {
			ck.attr[j], ck.set[j] = *v, true
		}
	}
	if key, ok := k.keys[ck]; ok {
		return key
	}
	key := k.next
	k.next++
	k.keys[ck] = key
	k.added = append(k.added, ck)
	return key
}

// addedKeys is the cohort_keys rows of the keys numbered in this run.
func (k *cohortKeyer) addedKeys() arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, cohortKeysSchema)
	defer b.Release()
	first := k.next - int32(len(k.added))
	for i, ck := range k.added {
		b.Field(0).(*array.Int32Builder).Append(first + int32(i))
		b.Field(1).(*array.Int32Builder).Append(ck.cohort)
		for j := 0; j < 3; j++ {
			if ck.set[j] {
				b.Field(2 + j).(*array.StringBuilder).Append(ck.attr[j])
			} else {
				b.Field(2 + j).AppendNull()
			}
		}
	}
	return b.NewRecordBatch()
}
