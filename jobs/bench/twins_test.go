package bench

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
)

// TestTwinTables: each twin reads the chain tables its stage reads, each
// check the stage's mart (the twins' own bench_twin_* temp tables are left
// out), and the nightly's reads the tables named here.
func TestTwinTables(t *testing.T) {
	cases := []struct {
		file string
		want []string
	}{
		{"check_cohorts", []string{"cohort_retention"}},
		{"check_growth", []string{"growth"}},
		{"check_sales", []string{"sales"}},
		{"twin_clv_summary", []string{"orders"}},
		{"twin_cohorts", []string{"customers", "order_lines", "orders", "products"}},
		{"twin_growth", []string{"customers", "orders", "stores"}},
		{"twin_rfm", []string{"orders"}},
		{"twin_sales", []string{"customers", "order_lines", "products", "stores"}},
		// the nightly's and the delta's reads; catalog views and table
		// functions (information_schema, duckdb_tables()) are not tables
		{"loaded_rows", []string{"load_files"}},
		{"source_loaded_rows", []string{"load_files"}},
		{"file_loaded_rows", []string{"load_files"}},
		{"newest_order", []string{"orders"}},
		{"mart_tables", nil},
		{"table_columns", nil},
		{"twin_temps", nil},
		// tables named through data (quoted by the caller)
		{"compare_rows", nil},
		{"copy_table", nil},
		{"count_parquet", nil},
		{"count_rows", nil},
		{"delta_copy", nil},
		{"drop_table", nil},
	}
	for _, c := range cases {
		if got := queries.Tables(c.file); !slices.Equal(got, c.want) {
			t.Errorf("sql/%s.sql names %v, want %v", c.file, got, c.want)
		}
	}
	// every file but the ingest twin (whose table is numbered per source) has a case
	if len(cases) != len(queries.Names())-1 {
		t.Errorf("files %v, cases for %d", queries.Names(), len(cases))
	}
}

// TestSQLTwinsRender pins what the Go side puts into the files: one ingest
// twin per csv source with its resolved path quoted, the purchase rule,
// the churn window, the as-of bound and the cancelled statuses.
func TestSQLTwinsRender(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Location: loc, AsOf: "2024-03-31", BaseDir: "/data/o'neil"}
	cfg.Sources = []config.Source{{Name: "a", Path: "a.csv"}, {Name: "b", Path: "b.parquet"}, {Name: "c", Path: "/abs/c.csv"}}
	cfg.Models.CLV.MinAmount = 0.5
	cfg.Models.Growth.ChurnDays = 90
	tw, err := sqlTwins(cfg, map[string]bool{jobs.IngestJobName("a"): true, jobs.IngestJobName("c"): true})
	if err != nil {
		t.Fatal(err)
	}
	ingest := tw["ingest (utf-8 csv sources)"]
	want := []string{
		"CREATE OR REPLACE TABLE bench_twin_csv_0 AS SELECT * FROM read_csv('/data/o''neil/a.csv', header = true, union_by_name = true, ignore_errors = true)",
		"CREATE OR REPLACE TABLE bench_twin_csv_1 AS SELECT * FROM read_csv('/abs/c.csv', header = true, union_by_name = true, ignore_errors = true)",
	}
	if !slices.Equal(ingest, want) {
		t.Errorf("ingest twins\n%q\nwant\n%q", ingest, want)
	}
	purchase := jobs.PurchasePredicate(0.5)
	contains := []struct {
		stage, part string
	}{
		{"rfm", "FROM orders WHERE customer_id IS NOT NULL AND " + purchase + " GROUP BY 1"},
		{"cohorts", "date_trunc('month', timezone('Asia/Shanghai', order_ts)) AS m"},
		{"growth", "WHEN gap > 90 THEN 2"},
		{"growth", "date_trunc('month', d + 90 + 1)"},
		{"sales", "WHERE l.order_ts < timezone('Asia/Shanghai', CAST(DATE '2024-03-31' + 1 AS TIMESTAMP))"},
		{"sales", "strftime(min(ts), '%Y-%m') AS period"},
		{"clv: summary", "CAST(timezone('Asia/Shanghai', order_ts) AS DATE) AS day"},
	}
	for _, c := range contains {
		if q := tw[c.stage]; len(q) != 1 || !strings.Contains(q[0], c.part) {
			t.Errorf("%s twin %q does not contain %q", c.stage, q, c.part)
		}
	}
	_, cancelled := salesBounds(cfg)
	if !strings.Contains(tw["sales"][0], "NOT IN ("+cancelled+")") || cancelled == "" || !strings.HasPrefix(cancelled, "'") {
		t.Errorf("sales twin does not leave out the cancelled statuses %s", cancelled)
	}
}

// TestTableSQL pins the statements the bench builds from quoted names.
func TestTableSQL(t *testing.T) {
	cases := []struct {
		name, file string
		data       any
		want       string
	}{
		{"drop", "drop_table", tableArg{`"bench_inc_orders"`}, `DROP TABLE IF EXISTS "bench_inc_orders"`},
		{"drop temp", "drop_table", tableArg{`temp.main."bench_twin_rfm"`}, `DROP TABLE IF EXISTS temp.main."bench_twin_rfm"`},
		{"copy", "copy_table", struct{ To, From string }{`"bench_inc_sales"`, `"sales"`},
			`CREATE OR REPLACE TABLE "bench_inc_sales" AS SELECT * FROM "sales"`},
		{"count", "count_rows", tableArg{`"sales"`}, `SELECT count(*) FROM "sales"`},
		{"count parquet", "count_parquet", struct{ Path string }{`'/d/x.parquet'`}, `SELECT count(*) FROM read_parquet('/d/x.parquet')`},
		{"delta", "delta_copy", struct {
			Replace, Src, Key, Dst string
			Share                  int64
		}{`CAST("k" AS VARCHAR) || '-D20240401' AS "k"`, `'/d/a.parquet'`, `"k"`, `'/d/b.parquet'`, 2500},
			`COPY (SELECT * REPLACE (CAST("k" AS VARCHAR) || '-D20240401' AS "k") FROM read_parquet('/d/a.parquet') WHERE hash(CAST("k" AS VARCHAR)) % 1000000 < 2500) TO '/d/b.parquet' (FORMAT parquet)`},
		{"compare", "compare_rows", struct{ Cols, A, B, Conds, Counts string }{`"id"`, `"a"`, `"b"`, `x."id" IS NOT DISTINCT FROM y."id"`, `count(*) AS "c0"`},
			`WITH x AS (SELECT "id", row_number() OVER (ORDER BY "id") AS rn FROM "a"), y AS (SELECT "id", row_number() OVER (ORDER BY "id") AS rn FROM "b") ` +
				`SELECT count(*) FILTER (WHERE NOT (x."id" IS NOT DISTINCT FROM y."id")), count(*) AS "c0" FROM x JOIN y ON x.rn = y.rn`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := render(c.file, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if got = strings.Join(strings.Fields(got), " "); got != c.want {
				t.Errorf("sql/%s.sql renders\n%s\nwant\n%s", c.file, got, c.want)
			}
		})
	}
}
