package lifecyclejobs

import (
	"slices"
	"testing"
)

// TestJobDeclaresItsTables: the tables the query files name are exactly the
// job's declared reads, and the job carries its declaration.
func TestJobDeclaresItsTables(t *testing.T) {
	var named []string
	for _, f := range queries.Names() {
		for _, tb := range queries.Tables(f) {
			if !slices.Contains(named, tb) {
				named = append(named, tb)
			}
		}
	}
	slices.Sort(named)
	want := []string{"campaign_contacts", "campaigns", "identity_assignments", "orders", "raw_social_interactions", "social_accounts", "social_interactions"}
	if !slices.Equal(named, want) {
		t.Errorf("sql/ names %v, want %v", named, want)
	}
	got := slices.Clone(NewJob(nil).Reads)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Reads = %v, want %v", got, want)
	}
	if w := NewJob(nil).Writes; !slices.Equal(w, []string{"lifecycle_stage", "lifecycle_counts", "lifecycle_flows"}) {
		t.Errorf("Writes = %v", w)
	}
}
