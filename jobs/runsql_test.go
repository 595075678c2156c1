package jobs

import (
	"slices"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// TestRunsSQL: every run-history statement is there, touches only the
// bookkeeping tables, and takes the arguments its caller passes (counted
// by hand from the calls in runs.go).
func TestRunsSQL(t *testing.T) {
	args := map[string]int{"start": 8, "finish": 11, "history": 3, "last_per_job": 0, "count_old": 1, "prune_runs": 1, "prune_checks": 1,
		"same_inputs": 5, "running": 0, "abandon": 3, "last_status": 1, "last_productive": 1}
	for name, want := range args {
		q, ok := runsSQL[name]
		if !ok {
			t.Errorf("no sql/runs/%s.sql", name)
			continue
		}
		if n := warehouse.CountPlaceholders(q); n != want {
			t.Errorf("%s: %d placeholders, want %d", name, n, want)
		}
		r, w := sqlfile.Scan(q)
		for _, tb := range append(r, w...) {
			if !slices.Contains([]string{"job_runs", "source_checks"}, tb) {
				t.Errorf("%s names table %s", name, tb)
			}
		}
	}
	// the checks' statements touch what the checks job declares
	for name, want := range map[string]int{"source_loads": 1, "record_check": 7} {
		q := checksSQL[name]
		if n := warehouse.CountPlaceholders(q); n != want {
			t.Errorf("checks %s: %d placeholders, want %d", name, n, want)
		}
		r, w := sqlfile.Scan(q)
		for _, tb := range append(r, w...) {
			if !slices.Contains(append(slices.Clone(checksReads), checksWrites...), tb) {
				t.Errorf("checks %s names table %s, which the checks job does not declare", name, tb)
			}
		}
	}
	if len(runsSQL) != len(args) {
		t.Errorf("%d files, want %d", len(runsSQL), len(args))
	}
}
