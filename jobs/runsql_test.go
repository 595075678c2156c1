package jobs

import (
	"slices"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// TestRunsSQL: every run-history statement is there, touches only the
// bookkeeping tables, and takes the arguments its caller passes (counted
// by hand from the calls in runs.go).
func TestRunsSQL(t *testing.T) {
	args := map[string]int{"start": 8, "finish": 11, "history": 3, "last_per_job": 0, "count_old": 1, "prune_runs": 1, "prune_checks": 1,
		"same_inputs": 5, "running": 0, "abandon": 3, "last_status": 1, "last_productive": 1,
		"slot_done": 2, "last_slot": 3} // the last two: schedule.go
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

// TestInputsAndPurchasesSQL: the inputs' and purchases' files render with the placeholders their callers pass (counted by hand:
// none for the fingerprint of loaded files and the newest order, the end of
// the as-of day for the purchases) and name only the tables they read.
func TestInputsAndPurchasesSQL(t *testing.T) {
	cases := []struct {
		name   string
		render func(d warehouse.SQL) string
		args   int
		tables []string
	}{
		{"loaded_files", func(d warehouse.SQL) string {
			return mustRender(inputsSQL, "loaded_files", d, struct{ LoadIDHash string }{d.Fingerprint("load_id")})
		}, 0, []string{"load_files"}},
		{"newest_order", func(d warehouse.SQL) string { return mustRender(inputsSQL, "newest_order", d, nil) }, 0, []string{"orders"}},
		{"purchases", func(warehouse.SQL) string { return PurchasesSQL(5) }, 1, []string{"orders"}},
		{"purchase customers", func(warehouse.SQL) string { return PurchaseCustomersSQL(5) }, 1, []string{"orders"}},
	}
	for _, c := range cases {
		q := c.render(warehouse.SQLOf(nil))
		if n := warehouse.CountPlaceholders(q); n != c.args {
			t.Errorf("%s: %d placeholders, want %d\n%s", c.name, n, c.args, q)
		}
		r, w := sqlfile.Scan(q)
		if !slices.Equal(r, c.tables) || len(w) != 0 {
			t.Errorf("%s: reads %v writes %v, want reads %v", c.name, r, w, c.tables)
		}
	}
	if q := PurchasesSQL(5); !strings.Contains(q, "net_amount >= 5 AND") {
		t.Errorf("purchases do not apply the minimum amount:\n%s", q)
	}
}

// TestCoreIncSQL: every file of the incremental core renders and names
// only tables the core job declares (its temporary tables aside), and the
// statements with data put it where the files say.
func TestCoreIncSQL(t *testing.T) {
	d := warehouse.SQLOf(nil)
	data := coreIncData{ColumnList: "(a)", Columns: "a", Aggregates: "sum(x) AS a", CustomerJoin: "", KeepLoad: "arg_max(r._load_id, lf.loaded_at)", Seq: 7, Table: "core_delta"}
	declared := append(append(slices.Clone(coreReads), coreWrites...), "identity_assignments")
	for _, name := range coreIncSQL.Names() {
		coreIncStatement(d, name, data) // panics on a broken file
		if u := coreIncSQL.Undeclared(name, declared); len(u) > 0 {
			t.Errorf("sql/coreinc/%s.sql names tables core does not declare: %v", name, u)
		}
	}
	for _, c := range []struct{ name, want string }{
		{"moved_changes", "SELECT 7, false, old_customer_id"},
		{"drop_temp", "DROP TABLE IF EXISTS temp.main.core_delta"},
		{"versions_touched", "SELECT r.channel, r.order_id, arg_max(r._load_id, lf.loaded_at) AS keep_load_id"},
		{"aggregate_touched", "FROM raw_order_lines r SEMI JOIN core_touched t ON"},
	} {
		if q := coreIncStatement(d, c.name, data); !strings.Contains(q, c.want) {
			t.Errorf("%s does not hold %q:\n%s", c.name, c.want, q)
		}
	}
}

// TestCoreSQL: every file of core renders and names only tables the core
// job declares, and the composed statements hold their pieces.
func TestCoreSQL(t *testing.T) {
	d := warehouse.SQLOf(nil)
	declared := append(append(slices.Clone(coreReads), coreWrites...), "identity_assignments")
	for _, name := range coreSQL.Names() {
		coreStatement(d, name, coreData{}) // panics on a broken file
		if u := coreSQL.Undeclared(name, declared); len(u) > 0 {
			t.Errorf("sql/core/%s.sql names tables core does not declare: %v", name, u)
		}
	}
	for _, c := range []struct{ name, got, want string }{
		{"orders by fingerprint", ordersSQL(d, true), "CASE WHEN min(hash(r._load_id)) = max(hash(r._load_id)) THEN any_value(r._load_id) END AS _load_id"},
		{"orders by string", ordersSQL(d, false), "CASE WHEN min(r._load_id) = max(r._load_id) THEN min(r._load_id) END AS _load_id"},
		{"kept lines without versions", KeptLinesViewSQL(false), "CREATE OR REPLACE VIEW kept_order_lines AS SELECT r.* FROM raw_order_lines r"},
		{"current rows", CurrentRowsSQL, "FROM (SELECT r._load_id FROM raw_stores r LEFT JOIN (SELECT load_id"},
		{"a master view", mastersSQL()[4].statement(), "CREATE OR REPLACE VIEW social_interactions AS SELECT r.*, a.customer_id FROM raw_social_interactions r"},
		{"a master table", mastersSQL()[0].statement(), "PARTITION BY r.sku ORDER BY s.load_seq DESC, s.loaded_at DESC, r._load_id DESC, r._row DESC) = 1"},
	} {
		// files included in others keep their line ends: compare words
		if got := strings.ReplaceAll(strings.Join(strings.Fields(c.got), " "), " )", ")"); !strings.Contains(got, c.want) {
			t.Errorf("%s does not hold %q:\n%s", c.name, c.want, c.got)
		}
	}
	if KeptLinesViewSQL(false) != "CREATE OR REPLACE VIEW kept_order_lines AS SELECT r.* FROM raw_order_lines r" {
		t.Errorf("kept lines without versions = %q", KeptLinesViewSQL(false))
	}
}
