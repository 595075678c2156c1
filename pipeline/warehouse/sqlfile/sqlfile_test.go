package sqlfile

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// dialect qualifies tables as a BigQuery dataset would, so rendering shows
// that {{table}} goes through the dialect.
type dialect struct{ warehouse.SQL }

func (dialect) Table(name string) string { return "ds." + name }

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"sql/orders.sql": {Data: []byte(`{{- /* orders before the end */ -}}
SELECT a{{if .B}}, b{{end}} FROM {{table "orders"}} o JOIN {{table "stores"}} s ON s.id = o.store_id WHERE ts < {{.End}}
`)},
		"sql/one.sql":     {Data: []byte(`SELECT 1 FROM {{table "orders"}} UNION ALL SELECT 2 FROM {{table "orders"}}`)},
		"sql/temp.sql":    {Data: []byte(`CREATE OR REPLACE TEMP TABLE new_loads AS SELECT load_id FROM {{table "load_files"}}`)},
		"sql/usetemp.sql": {Data: []byte(`SELECT * FROM {{table "orders"}} WHERE _load_id IN (SELECT load_id FROM new_loads)`)},
		"sql/bare.sql":    {Data: []byte(`SELECT 1 FROM {{table "orders"}} o JOIN stores s ON TRUE`)},
	}
}

func TestRenderAndTables(t *testing.T) {
	s, err := Parse(testFS(), "sql")
	if err != nil {
		t.Fatal(err)
	}
	d := dialect{warehouse.SQLOf(nil)}
	cases := []struct {
		name, file string
		data       any
		want       string
		tables     []string
	}{
		{"with option", "orders", struct {
			B   bool
			End string
		}{true, "TS1"}, "SELECT a, b FROM ds.orders o JOIN ds.stores s ON s.id = o.store_id WHERE ts < TS1", []string{"orders", "stores"}},
		{"without option", "orders", struct {
			B   bool
			End string
		}{false, "TS2"}, "SELECT a FROM ds.orders o JOIN ds.stores s ON s.id = o.store_id WHERE ts < TS2", []string{"orders", "stores"}},
		{"a table named twice is listed once", "one", nil, "SELECT 1 FROM ds.orders UNION ALL SELECT 2 FROM ds.orders", []string{"orders"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Render(c.file, d, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("Render = %q, want %q", got, c.want)
			}
			if ts := s.Tables(c.file); !slices.Equal(ts, c.tables) {
				t.Errorf("Tables = %v, want %v", ts, c.tables)
			}
		})
	}
	if got := s.Undeclared("orders", []string{"orders"}); !slices.Equal(got, []string{"stores"}) {
		t.Errorf("Undeclared = %v, want [stores]", got)
	}
	// a table spelled without {{table}} is found too
	if got := s.Undeclared("bare", []string{"orders"}); !slices.Equal(got, []string{"stores"}) {
		t.Errorf("Undeclared(bare) = %v, want [stores]", got)
	}
	// a temp table made by another file of the set is no warehouse table
	if got := s.Tables("usetemp"); !slices.Equal(got, []string{"orders"}) {
		t.Errorf("Tables(usetemp) = %v, want [orders]", got)
	}
	// a temp table made in Go is declared with Temp
	if got := s.Temp("stores").Tables("bare"); !slices.Equal(got, []string{"orders"}) {
		t.Errorf("Tables(bare) after Temp(stores) = %v, want [orders]", got)
	}
	if got := s.Names(); !slices.Equal(got, []string{"bare", "one", "orders", "temp", "usetemp"}) {
		t.Errorf("Names = %v", got)
	}
}

func TestErrors(t *testing.T) {
	s, err := Parse(testFS(), "sql")
	if err != nil {
		t.Fatal(err)
	}
	d := warehouse.SQLOf(nil)
	if _, err := s.Render("missing", d, nil); err == nil || !strings.Contains(err.Error(), "no file missing.sql") {
		t.Errorf("missing file: err = %v", err)
	}
	if _, err := s.Render("orders", d, map[string]any{"B": true}); err == nil || !strings.Contains(err.Error(), "orders.sql") {
		t.Errorf("missing value: err = %v, want an error naming orders.sql", err)
	}
	if _, err := Parse(fstest.MapFS{"sql/bad.sql": {Data: []byte("SELECT {{.A")}}, "sql"); err == nil || !strings.Contains(err.Error(), "sql/bad.sql") {
		t.Errorf("bad template: err = %v, want it to name sql/bad.sql", err)
	}
	if _, err := Parse(fstest.MapFS{}, "sql"); err == nil {
		t.Error("empty folder: want an error")
	}
}
