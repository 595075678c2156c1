package jobs

import (
	"slices"
	"strings"
	"testing"
)

// TestChangesSQL: every file of sql/changes renders, names exactly the
// tables listed here and only tables its side declares: core writes the
// log (coreWrites), a consumer reads the log and reads and writes its
// watermark (ChangeLogTables, WatermarksTable). The statements with data
// put it where the files say.
func TestChangesSQL(t *testing.T) {
	core := append(slices.Clone(coreReads), coreWrites...)
	consumer := append(slices.Clone(ChangeLogTables), WatermarksTable)
	cases := []struct {
		name     string
		declared []string
		tables   []string
	}{
		{"customers", consumer, []string{"core_changes"}},
		{"read_watermark", consumer, []string{"model_watermarks"}},
		{"newest_seq", consumer, []string{"core_change_runs"}},
		{"count_since", consumer, []string{"core_changes"}},
		{"months_since", consumer, []string{"core_changes"}},
		{"clear_watermark", consumer, []string{"model_watermarks"}},
		{"write_watermark", consumer, []string{"model_watermarks"}},
		{"next_seq", core, []string{"core_change_runs"}},
		{"record_run", core, []string{"core_change_runs"}},
		{"clear_changes", core, []string{"core_changes"}},
		{"record_everything", core, []string{"core_changes"}},
		{"prune_changes", core, []string{"core_changes", "model_watermarks"}},
		{"changed_orders", core, []string{"core_changes", "orders"}},
	}
	var names []string
	for _, c := range cases {
		names = append(names, c.name)
		t.Run(c.name, func(t *testing.T) {
			if got := changesSQL.Tables(c.name); !slices.Equal(got, c.tables) {
				t.Errorf("tables %v, want %v", got, c.tables)
			}
			if u := changesSQL.Undeclared(c.name, c.declared); len(u) > 0 {
				t.Errorf("names tables its job does not declare: %v", u)
			}
		})
	}
	slices.Sort(names)
	if got := changesSQL.Names(); !slices.Equal(got, names) {
		t.Errorf("sql/changes holds %v, the test lists %v", got, names)
	}
	if got, want := (Changes{From: 3, To: 9}).CustomersSQL(), "SELECT DISTINCT customer_id FROM core_changes WHERE seq > 3 AND seq <= 9 AND customer_id IS NOT NULL"; got != want {
		t.Errorf("CustomersSQL = %q, want %q", got, want)
	}
	got := strings.Join(strings.Fields(changedOrdersSQL(12, "o.order_id = 'x'")), " ")
	if want := "INSERT INTO core_changes SELECT DISTINCT 12, false, o.customer_id, NULL FROM orders o WHERE o.customer_id IS NOT NULL AND o.order_id = 'x' UNION ALL SELECT DISTINCT 12, false, NULL, o.order_ts FROM orders o WHERE o.order_ts IS NOT NULL AND o.order_id = 'x'"; got != want {
		t.Errorf("changedOrdersSQL = %q, want %q", got, want)
	}
	for _, name := range []string{"read_watermark", "newest_seq", "count_since", "months_since", "clear_watermark", "write_watermark", "next_seq", "record_run", "clear_changes", "record_everything", "prune_changes"} {
		changeSQL(name, nil) // panics on a file that needs data
	}
}
