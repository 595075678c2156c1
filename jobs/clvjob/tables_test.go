package clvjob

import (
	"slices"
	"testing"
)

// TestJobsDeclareTheirTables: every table the query files name is
// declared by a job that renders it, and the jobs carry the declarations
// the graph reads.
func TestJobsDeclareTheirTables(t *testing.T) {
	cases := []struct {
		file string
		want []string
	}{
		{"purchases", []string{"customer_changes", "customer_state", "orders"}},
		{"state", []string{"customer_state"}},
		{"state_meta", []string{"customer_state", "customer_state_meta"}},
		{"pending", []string{"customer_changes"}},
		{"last_fit", []string{"clv_fit"}},
	}
	if len(cases) != len(queries.Names()) {
		t.Errorf("files %v, cases for %d", queries.Names(), len(cases))
	}
	for _, c := range cases {
		if got := queries.Tables(c.file); !slices.Equal(got, c.want) {
			t.Errorf("sql/%s.sql names %v, want %v", c.file, got, c.want)
		}
	}
	for _, f := range []string{"purchases", "state_meta", "pending"} {
		if u := queries.Undeclared(f, stateReads); len(u) > 0 {
			t.Errorf("customer_state renders sql/%s.sql naming undeclared %v", f, u)
		}
	}
	for _, f := range queries.Names() {
		if u := queries.Undeclared(f, clvReads); len(u) > 0 {
			t.Errorf("clv renders sql/%s.sql naming undeclared %v", f, u)
		}
	}
	st := StateJob(nil)
	if !slices.Equal(st.Reads, stateReads) || !slices.Equal(st.Writes, []string{"customer_state", "customer_state_meta", "customer_changes"}) {
		t.Errorf("customer_state declares reads %v writes %v", st.Reads, st.Writes)
	}
	// The undeclared check refuses a file outside the job's reads.
	if _, err := render(nil, "last_fit", stateReads, nil); err == nil {
		t.Error("customer_state rendered sql/last_fit.sql, which names clv_fit it does not declare")
	}
}
