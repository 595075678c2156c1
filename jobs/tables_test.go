package jobs

import (
	"context"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/internal/sqltest"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestJobTablesCreatedFromTheirSchemas: on a fresh DuckDB file, the tables
// the jobs package owns come out of the code that makes them (EnsureTables,
// Prune, Prepare, BuildCore, the identity graph's) with the declared column types and NOT NULL
// constraints, read back from information_schema; the expected lists are
// written out by hand.
func TestJobTablesCreatedFromTheirSchemas(t *testing.T) {
	ctx := context.Background()
	wh := testWH(t) // Prepare: identity_assignments
	if err := EnsureTables(ctx, wh); err != nil {
		t.Fatal(err)
	}
	if _, err := Prune(ctx, wh, 30); err != nil { // source_checks
		t.Fatal(err)
	}
	if _, err := BuildCore(ctx, wh); err != nil { // orders, core_loads, customer_changes
		t.Fatal(err)
	}
	if err := ensureGraphTables(ctx, wh); err != nil { // as recordGraph does
		t.Fatal(err)
	}
	const tz = "TIMESTAMP WITH TIME ZONE"
	cases := []struct {
		table string
		want  []string
	}{
		{"job_runs", []string{"run_id VARCHAR NOT NULL", "chain_id VARCHAR", "job VARCHAR NOT NULL", "partition VARCHAR",
			"started " + tz + " NOT NULL", "finished " + tz, "status VARCHAR NOT NULL", "rows_in BIGINT", "rows_out BIGINT",
			"rows_quarantined BIGINT", "message VARCHAR", "error VARCHAR", "attempt INTEGER", "host VARCHAR", "pid INTEGER",
			"input_fingerprint VARCHAR"}},
		{"source_checks", []string{"checked_at " + tz, "run_id VARCHAR", "source VARCHAR", "check VARCHAR",
			"value DOUBLE", "threshold DOUBLE", "ok BOOLEAN", "detail VARCHAR"}},
		{"core_loads", []string{"load_id VARCHAR", "loaded_at " + tz}},
		{"customer_changes", []string{"customer_id VARCHAR"}},
		{"identity_graph_loads", []string{"load_id VARCHAR", "loaded_at " + tz}},
		{"identity_graph_state", []string{"config VARCHAR"}},
		{"identity_assignments", []string{"rec_table VARCHAR", "rec_key VARCHAR", "customer_id VARCHAR"}},
		{"orders", []string{"channel VARCHAR", "order_id VARCHAR", "order_ts " + tz, "customer_id VARCHAR", "store_id VARCHAR",
			"associate_id VARCHAR", "status VARCHAR", "lines BIGINT", "units BIGINT", "gross_amount DOUBLE", "discount DOUBLE",
			"paid_amount DOUBLE", "refund_amount DOUBLE", "net_amount DOUBLE", "_load_id VARCHAR"}},
	}
	for _, c := range cases {
		t.Run(c.table, func(t *testing.T) {
			got := tableColumns(t, wh, c.table)
			if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
				t.Errorf("columns\n got %s\nwant %s", strings.Join(got, ", "), strings.Join(c.want, ", "))
			}
		})
	}
}

// tableColumns reads table's columns back from information_schema
// (sqltest.Columns).
func tableColumns(t *testing.T, wh *warehouse.DuckDB, table string) []string {
	return sqltest.Columns(t, wh.DB(), table)
}
