package jobs

import (
	"github.com/crmkit/crmkit/pipeline/schema"
)

// The tables of the chain's fixed jobs (Job.Reads, Writes, MayRead). The
// model jobs declare theirs beside their SQL; Graph.Derive turns all of
// them into the graph's edges.

// PreparedTables are the tables that exist before any job runs: Prepare
// creates the manifest, the quarantine, run history, the identity
// assignments core joins before the first stitch, and a raw table for every
// canonical table (empty until a source of that table loads a file), so a
// job may read the raw table of a table no configured source feeds.
func PreparedTables() []string {
	out := []string{"load_files", "quarantine", "job_runs", "identity_assignments"}
	for _, n := range schema.Names() {
		t, _ := schema.Lookup(n)
		out = append(out, t.RawTable())
	}
	return out
}

// RawTables are the raw tables of every canonical table.
func RawTables() []string {
	var out []string
	for _, n := range schema.Names() {
		t, _ := schema.Lookup(n)
		out = append(out, t.RawTable())
	}
	return out
}

// ingestTables: an ingest job appends its source's raw table, the manifest
// (which it also reads: a file already loaded is skipped) and quarantine.
func ingestTables(table string) (reads, writes []string) {
	raw := "raw_" + table
	if t, ok := schema.Lookup(table); ok {
		raw = t.RawTable()
	}
	return []string{"load_files"}, []string{raw, "load_files", "quarantine"}
}

// Stitch declares its tables beside its SQL (stitchinc.go).

// Core builds the order and master tables and views from the raw tables
// and the identity assignments; core_loads records what it built from,
// return_ties and return_scope are its state for folding returns into
// their original orders (returns.go), and customer_changes lists the
// customers whose orders it changed, for customer_state to take up.
var (
	coreReads  = append([]string{"load_files", "identity_assignments", "core_loads"}, RawTables()...)
	coreWrites = []string{"orders", "order_versions", "kept_order_lines", "order_lines", "products", "stores", "campaigns",
		"social_accounts", "social_interactions", "campaign_contacts", "service_tickets", "core_loads",
		"core_changes", "core_change_runs", "model_watermarks", "return_ties", "return_scope", "customer_changes", "core_assign_sums"}
)

// Checks read the manifest and record each source's checks.
var (
	checksReads  = []string{"load_files"}
	checksWrites = []string{"source_checks"}
)
