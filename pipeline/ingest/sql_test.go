package ingest

import (
	"slices"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestSQLFilesRender renders every sql/*.sql file on DuckDB: each names
// only the tables ingest owns (the manifest and the quarantine; raw tables
// come as data) and takes as many placeholders as its caller passes
// arguments (counted by hand from the calls).
func TestSQLFilesRender(t *testing.T) {
	placeholders := map[string]int{
		"manifest_lookup": 2, "record_duplicate": 12, "record_rejected": 10, "record_loaded": 14,
		"record_unloaded": 6, "forget_quarantine": 2, "forget_rejection": 2, "next_load_seq": 0,
		"source_files": 1, "count_raw_rows": 1, "delete_raw_rows": 1, "count_quarantined": 2,
		"delete_manifest_row": 3, "add_column": 0, "drop_column": 0, "known_files": 0,
	}
	if got := queries.Names(); !slices.Equal(got, sortedKeys(placeholders)) {
		t.Fatalf("files %v, want %v", got, sortedKeys(placeholders))
	}
	data := sqlData{Table: "raw_products", Column: "brand", Type: "VARCHAR", Raw: "raw_products"}
	for name, want := range placeholders {
		t.Run(name, func(t *testing.T) {
			for _, tbl := range queries.Tables(name) {
				if tbl != "load_files" && tbl != "quarantine" {
					t.Errorf("names table %s", tbl)
				}
			}
			s := stmt(nil, name, data)
			if strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
				t.Errorf("unrendered: %s", s)
			}
			if n := warehouse.CountPlaceholders(s); n != want {
				t.Errorf("%d placeholders, want %d: %s", n, want, s)
			}
		})
	}
}

// TestSQLFilesExact pins the text of the statements built from data.
func TestSQLFilesExact(t *testing.T) {
	cases := []struct {
		name string
		data sqlData
		want string
	}{
		{"add_column", sqlData{Table: "raw_order_lines", Column: "province", Type: "VARCHAR"}, "ALTER TABLE raw_order_lines ADD COLUMN province VARCHAR"},
		{"drop_column", sqlData{Table: "raw_stores", Column: `"_file"`}, `ALTER TABLE raw_stores DROP COLUMN "_file"`},
		{"count_raw_rows", sqlData{Raw: "raw_products"}, "SELECT count(*) FROM raw_products WHERE _load_id = ?"},
		{"next_load_seq", sqlData{}, "SELECT coalesce(max(load_seq), 0) + 1 FROM load_files"},
		{"forget_quarantine", sqlData{}, "DELETE FROM quarantine WHERE load_id = ? AND file = ?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := stmt(nil, c.name, c.data); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
