//go:build !nobigquery

package warehouse_test

// Integration tests against github.com/goccy/bigquery-emulator: the same
// batches and the same SQL go into DuckDB and into the emulator through the
// Warehouse interface, and both must give the values worked out by hand.
//
// The emulator binary is built once by scripts/build-bigquery-emulator.sh
// into .cache/bigquery-emulator. The tests use $CRMKIT_BIGQUERY_EMULATOR
// (a path to the binary; "off" skips them) or else that cached binary, and
// skip, saying how to build it, when there is none.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/bqemutest"
	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// openBoth opens a temp DuckDB and, when the emulator binary is there, a
// BigQuery dataset on a fresh emulator (nil otherwise: the DuckDB half of a
// test still runs and checks the hand-worked values).
func openBoth(t *testing.T) (duck *warehouse.DuckDB, bq *warehouse.BigQuery) {
	t.Helper()
	duck, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	bin, why := bqemutest.Binary()
	if bin == "" {
		t.Log(why)
		return duck, nil
	}
	rest, grpcAddr := bqemutest.Start(t, bin, "crmkit-test")
	bq, err = warehouse.OpenBigQuery(context.Background(), warehouse.BigQueryOptions{
		Project: "crmkit-test", Dataset: "crm", Location: "US", Endpoint: rest, GRPCEndpoint: grpcAddr,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bq.Close() })
	return duck, bq
}

func both(duck *warehouse.DuckDB, bq *warehouse.BigQuery) []warehouse.Warehouse {
	if bq == nil {
		return []warehouse.Warehouse{duck}
	}
	return []warehouse.Warehouse{duck, bq}
}

var lineSchema = arrow.NewSchema([]arrow.Field{
	{Name: "channel", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "order_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "order_ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "paid_amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "refund_amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

type line struct {
	channel, order string
	ts             time.Time
	customer       string // "" = anonymous (NULL)
	qty            int64
	paid, refund   float64
}

func lineBatch(mem memory.Allocator, ls []line) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, lineSchema)
	defer b.Release()
	for _, l := range ls {
		b.Field(0).(*array.StringBuilder).Append(l.channel)
		b.Field(1).(*array.StringBuilder).Append(l.order)
		b.Field(2).(*array.TimestampBuilder).AppendTime(l.ts)
		if l.customer == "" {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.StringBuilder).Append(l.customer)
		}
		b.Field(4).(*array.Int64Builder).Append(l.qty)
		b.Field(5).(*array.Float64Builder).Append(l.paid)
		b.Field(6).(*array.Float64Builder).Append(l.refund)
	}
	return b.NewRecordBatch()
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The six order lines. Local dates are in Asia/Shanghai (UTC+8):
// line 3 is 1 Feb local (31 Jan UTC), line 4 is 31 Jan 23:00 local,
// line 6 is 1 Mar 00:30 local (29 Feb UTC, 2024 is a leap year).
var batchA = []line{
	{"tmall", "T1", utc("2024-01-10T02:00:00Z"), "c1", 2, 100, 0},
	{"tmall", "T1", utc("2024-01-10T02:00:00Z"), "c1", 1, 50, 10},
	{"jd", "J1", utc("2024-01-31T17:30:00Z"), "c2", 1, 80, 0},
}
var batchB = []line{
	{"pos", "P1", utc("2024-01-31T15:00:00Z"), "", 3, 30, 0},
	{"shopify", "S1", utc("2024-02-15T12:00:00Z"), "c1", 1, 25.5, 0},
	{"pos", "P2", utc("2024-02-29T16:30:00Z"), "c3", 2, 40, 5},
}

// rowsOf renders query results as text rows, numbers rounded to 6 places,
// so both engines' Arrow types compare (int64 vs decimal sums and so on).
func rowsOf(t *testing.T, recs []arrow.RecordBatch) []string {
	t.Helper()
	var out []string
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			var cells []string
			for _, c := range r.Columns() {
				cells = append(cells, cell(c, i))
			}
			out = append(out, strings.Join(cells, "|"))
		}
		r.Release()
	}
	return out
}

func cell(c arrow.Array, i int) string {
	if c.IsNull(i) {
		return "NULL"
	}
	switch a := c.(type) {
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'f', 6, 64)
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Date32:
		return a.Value(i).FormattedString()
	case *array.Timestamp:
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC().Format(time.RFC3339)
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		f := a.Value(i).ToFloat64(dt.Scale)
		if dt.Scale == 0 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'f', 6, 64)
	default:
		return c.ValueStr(i)
	}
}

func query(t *testing.T, wh warehouse.Warehouse, q string, args ...any) []string {
	t.Helper()
	recs, err := wh.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %s: %v", wh.Dialect().Name(), q, err)
	}
	return rowsOf(t, recs)
}

// loadLines creates order_lines with DuckDB-flavoured DDL written once and
// loads the two batches in one transaction, with a manifest row.
func loadLines(t *testing.T, wh warehouse.Warehouse) {
	t.Helper()
	ctx := context.Background()
	mem := memory.DefaultAllocator
	for _, ddl := range []string{
		`CREATE TABLE IF NOT EXISTS order_lines (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, customer_id VARCHAR, qty BIGINT, paid_amount DOUBLE, refund_amount DOUBLE)`,
		`CREATE TABLE IF NOT EXISTS manifest (load_id VARCHAR NOT NULL, rows_loaded BIGINT, error VARCHAR, loaded_at TIMESTAMPTZ)`,
	} {
		if err := wh.Exec(ctx, ddl); err != nil {
			t.Fatalf("%s: %v", wh.Dialect().Name(), err)
		}
	}
	a, b := lineBatch(mem, batchA), lineBatch(mem, batchB)
	defer a.Release()
	defer b.Release()
	err := wh.InTx(ctx, func(tx warehouse.Tx) error {
		n1, err := tx.Load(ctx, "order_lines", a)
		if err != nil {
			return err
		}
		n2, err := tx.Load(ctx, "order_lines", b)
		if err != nil {
			return err
		}
		return tx.Exec(ctx, `INSERT INTO manifest (load_id, rows_loaded, error, loaded_at) VALUES (?, ?, ?, ?)`,
			"L1", n1+n2, nil, utc("2024-03-01T00:00:00Z"))
	})
	if err != nil {
		t.Fatalf("%s: load: %v", wh.Dialect().Name(), err)
	}
	// A failed transaction leaves nothing behind: neither the staged load
	// nor the queued manifest row.
	boom := errors.New("boom")
	err = wh.InTx(ctx, func(tx warehouse.Tx) error {
		if _, err := tx.Load(ctx, "order_lines", a); err != nil {
			return err
		}
		if err := tx.Exec(ctx, `INSERT INTO manifest (load_id, rows_loaded) VALUES (?, ?)`, "L2", 3); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("%s: rolled-back tx returned %v", wh.Dialect().Name(), err)
	}
}

var martSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

func martBatch(mem memory.Allocator, asOf time.Time) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, martSchema)
	defer b.Release()
	for _, r := range []struct {
		c string
		s float64
	}{{"c1", 1.5}, {"c2", 2}, {"c3", 0.25}} {
		b.Field(0).(*array.Date32Builder).Append(arrow.Date32FromTime(asOf))
		b.Field(1).(*array.StringBuilder).Append(r.c)
		b.Field(2).(*array.Float64Builder).Append(r.s)
	}
	return b.NewRecordBatch()
}

// writeMart follows jobs.WriteMart: create if missing, delete the as-of's
// rows, load, all in one transaction.
func writeMart(t *testing.T, wh warehouse.Warehouse, asOf time.Time) {
	t.Helper()
	ctx := context.Background()
	rec := martBatch(memory.DefaultAllocator, asOf)
	defer rec.Release()
	err := wh.InTx(ctx, func(tx warehouse.Tx) error {
		if err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS mart_scores ("+warehouse.ColumnsDDL(martSchema)+")"); err != nil {
			return err
		}
		if err := tx.Exec(ctx, "DELETE FROM mart_scores WHERE as_of = CAST(? AS DATE)", asOf.Format("2006-01-02")); err != nil {
			return err
		}
		_, err := tx.Load(ctx, "mart_scores", rec)
		return err
	})
	if err != nil {
		t.Fatalf("%s: write mart: %v", wh.Dialect().Name(), err)
	}
}

func TestBigQueryEmulatorMatchesDuckDB(t *testing.T) {
	duck, bq := openBoth(t)
	ctx := context.Background()
	whs := both(duck, bq)
	asOf := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, wh := range whs {
		loadLines(t, wh)
		writeMart(t, wh, asOf)
		writeMart(t, wh, asOf) // a rerun of the same as-of never doubles rows
		rec := martBatch(memory.DefaultAllocator, asOf)
		for i := 0; i < 2; i++ { // Replace twice: still 3 rows
			if err := wh.Replace(ctx, "scores_copy", martSchema, []arrow.RecordBatch{rec}); err != nil {
				t.Fatalf("%s: replace: %v", wh.Dialect().Name(), err)
			}
		}
		rec.Release()
		// CREATE TABLE ... AS with DuckDB spellings (EXCLUDE, VARCHAR cast):
		// on BigQuery it gets the orders layout (the emulator refuses
		// PARTITION BY in DDL, and the statement is rerun without it).
		if err := wh.Exec(ctx, `CREATE OR REPLACE TABLE orders AS SELECT * EXCLUDE (qty), CAST(qty AS VARCHAR) AS qty_text
			FROM order_lines WHERE customer_id IS NOT NULL`); err != nil {
			t.Fatalf("%s: create orders as select: %v", wh.Dialect().Name(), err)
		}
	}

	type check struct {
		name string
		sql  func(d warehouse.SQL) string
		args []any
		want []string
		// emulatorGap, when set, says why the emulator cannot run the check
		// (a gap of the emulator, not of BigQuery): it runs on DuckDB only.
		emulatorGap string
	}
	const zone = "Asia/Shanghai"
	checks := []check{
		{"totals", func(d warehouse.SQL) string {
			return `SELECT count(*), CAST(sum(qty) AS BIGINT), sum(paid_amount - refund_amount), count(DISTINCT customer_id) FROM order_lines`
		}, nil, []string{"6|10|310.500000|3"}, ""},
		{"per channel", func(d warehouse.SQL) string {
			return `SELECT channel, count(*) AS n, sum(paid_amount - refund_amount) AS net FROM order_lines GROUP BY channel ORDER BY channel`
		}, nil, []string{"jd|1|80.000000", "pos|2|65.000000", "shopify|1|25.500000", "tmall|2|140.000000"}, ""},
		{"per local month", func(d warehouse.SQL) string {
			m := d.FormatDate(d.MonthStart(d.LocalDate("order_ts", zone)), "%Y-%m")
			return `SELECT ` + m + ` AS month, count(*), CAST(sum(qty) AS BIGINT), sum(paid_amount - refund_amount) FROM order_lines GROUP BY 1 ORDER BY 1`
		}, nil, []string{"2024-01|3|6|170.000000", "2024-02|2|2|105.500000", "2024-03|1|2|35.000000"}, ""},
		{"days since last order at the as-of date", func(d warehouse.SQL) string {
			return `SELECT customer_id, ` + d.DateDiffDays("max("+d.LocalDate("order_ts", zone)+")", "CAST(? AS DATE)") +
				` FROM order_lines WHERE customer_id IS NOT NULL GROUP BY customer_id ORDER BY customer_id`
		}, []any{"2024-03-01"}, []string{"c1|15", "c2|29", "c3|0"}, ""},
		{"parameters: string and timestamp", func(d warehouse.SQL) string {
			return `SELECT count(*) FROM order_lines WHERE channel = ? AND order_ts >= ?`
		}, []any{"pos", utc("2024-02-01T00:00:00Z")}, []string{"1"}, ""},
		{"manifest: committed row only, NULL parameter", func(d warehouse.SQL) string {
			return `SELECT load_id, rows_loaded, error IS NULL, loaded_at FROM manifest ORDER BY load_id`
		}, nil, []string{"L1|6|true|2024-03-01T00:00:00Z"}, ""},
		{"mart written twice for one as-of", func(d warehouse.SQL) string {
			return `SELECT as_of, count(*), sum(score) FROM mart_scores GROUP BY as_of`
		}, nil, []string{"2024-03-01|3|3.750000"}, ""},
		{"table created AS SELECT", func(d warehouse.SQL) string {
			return `SELECT count(*), min(qty_text), max(qty_text) FROM orders`
		}, nil, []string{"5|1|2"}, ""},
		{"replaced table", func(d warehouse.SQL) string {
			return `SELECT count(*), sum(score) FROM scores_copy`
		}, nil, []string{"3|3.750000"}, ""},
		{"join order lines to the mart", func(d warehouse.SQL) string {
			return `SELECT m.customer_id, count(*) FROM order_lines o JOIN mart_scores m ON m.customer_id = o.customer_id GROUP BY m.customer_id ORDER BY 1`
		}, nil, []string{"c1|3", "c2|1", "c3|1"}, ""},
		{"median, regexp, timestamp diff", func(d warehouse.SQL) string {
			// c1: T1 (2 lines, 10 Jan 02:00) and S1 (15 Feb 12:00 UTC); qty 2,
			// 1, 1 -> median 1; 10 Jan 00:00 to 15 Feb 12:00 is 36 days 12 h.
			return `SELECT CAST(` + d.Median("qty") + ` AS DOUBLE), ` +
				`count(CASE WHEN ` + d.RegexpMatches("order_id", d.String("^[TS][0-9]$")) + ` THEN 1 END), ` +
				`max(` + d.TimestampDiff("hour", "CAST("+d.String("2024-01-10 00:00:00+00")+" AS TIMESTAMPTZ)", "order_ts") + `) ` +
				`FROM order_lines WHERE customer_id = ?`
		}, []any{"c1"}, []string{"1.000000|3|876"}, ""},
		{"arg max and min", func(d warehouse.SQL) string {
			// c1's latest order is S1 (15 Feb), its first T1 (10 Jan).
			return `SELECT ` + d.ArgMax("order_id", "order_ts") + `, ` + d.ArgMin("order_id", "order_ts") +
				` FROM order_lines WHERE customer_id = ?`
		}, []any{"c1"}, []string{"S1|T1"},
			// The emulator ignores ORDER BY inside ARRAY_AGG (BigQuery's
			// documented way to take the value at the max/min).
			"emulator v0.6.6 ignores ORDER BY in ARRAY_AGG"},
		{"add days and star except", func(d warehouse.SQL) string {
			return `SELECT CAST(` + d.AddDays("as_of", "-29") + ` AS STRING), ` + d.StarExcept("m", "as_of", "score") +
				` FROM mart_scores m WHERE customer_id = ?`
		}, []any{"c2"}, []string{"2024-02-01|c2"}, ""},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			var got [][]string
			for _, wh := range whs {
				if c.emulatorGap != "" && wh.Dialect().Name() == "bigquery" {
					t.Logf("bigquery half skipped: %s", c.emulatorGap)
					continue
				}
				q := c.sql(warehouse.SQLOf(wh.Dialect()))
				if wh.Dialect().Name() == "duckdb" {
					q = strings.ReplaceAll(q, "AS STRING)", "AS VARCHAR)")
				}
				rows := query(t, wh, q, c.args...)
				if strings.Join(rows, "\n") != strings.Join(c.want, "\n") {
					t.Errorf("%s:\n got %q\nwant %q", wh.Dialect().Name(), rows, c.want)
				}
				got = append(got, rows)
			}
			if len(got) == 2 && strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
				t.Errorf("engines differ:\nduckdb   %q\nbigquery %q", got[0], got[1])
			}
		})
	}

	// QueryRow with '?' parameters into database/sql-style destinations.
	for _, wh := range whs {
		var n int64
		var sum *float64
		var missing *string
		if err := wh.QueryRow(ctx, `SELECT count(*), sum(paid_amount), max(CASE WHEN qty > ? THEN channel END) FROM order_lines WHERE customer_id = ?`,
			[]any{5, "c1"}, &n, &sum, &missing); err != nil {
			t.Fatalf("%s: %v", wh.Dialect().Name(), err)
		}
		if n != 3 || sum == nil || *sum != 175.5 || missing != nil {
			t.Errorf("%s: QueryRow = %d, %v, %v; want 3, 175.5, NULL", wh.Dialect().Name(), n, sum, missing)
		}
		if err := wh.QueryRow(ctx, `SELECT channel FROM order_lines WHERE order_id = ?`, []any{"none"}, &missing); !errors.Is(err, warehouse.ErrNoRows) {
			t.Errorf("%s: QueryRow on no rows = %v, want ErrNoRows", wh.Dialect().Name(), err)
		}
		ok, err := warehouse.TableExists(ctx, wh, "mart_scores")
		if err != nil || !ok {
			t.Errorf("%s: TableExists(mart_scores) = %v, %v", wh.Dialect().Name(), ok, err)
		}
	}

	if bq == nil {
		return
	}
	// A whole table read back as Arrow through the Storage Read API.
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	recs, err := bq.ReadTable(rctx, "order_lines")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("no batches")
	}
	var types []string
	for _, f := range recs[0].Schema().Fields() {
		types = append(types, f.Name+":"+f.Type.String())
	}
	if got := strings.Join(types, ","); got != "channel:utf8,order_id:utf8,order_ts:timestamp[us, tz=UTC],customer_id:utf8,qty:int64,paid_amount:float64,refund_amount:float64" {
		t.Errorf("arrow types = %s", got)
	}
	var lines []string
	for _, r := range rowsOf(t, recs) {
		lines = append(lines, r)
	}
	sort.Strings(lines)
	if len(lines) != 6 || lines[0] != "jd|J1|2024-01-31T17:30:00Z|c2|1|80.000000|0.000000" || lines[1] != "pos|P1|2024-01-31T15:00:00Z|NULL|3|30.000000|0.000000" {
		t.Errorf("order_lines read back: %q", lines)
	}
	storage, rest := bq.Reads()
	t.Logf("results read through the Storage Read API: %d, from REST rows: %d", storage, rest)
	if storage == 0 {
		t.Errorf("no result was read through the Storage Read API (REST %d times)", rest)
	}
	// Only the selected columns come back.
	recs, err = bq.ReadTable(rctx, "mart_scores", "customer_id", "score")
	if err != nil {
		t.Fatal(err)
	}
	got := rowsOf(t, recs)
	sort.Strings(got)
	if strings.Join(got, ",") != "c1|1.500000,c2|2.000000,c3|0.250000" {
		t.Errorf("mart_scores customer_id, score = %q", got)
	}

	// Partitioning and clustering as created: by CREATE TABLE text through
	// Exec (order_lines, mart_scores) and by Replace (scores_copy).
	for _, c := range []struct{ table, layout string }{
		{"order_lines", "MONTH on order_ts, clustered on [customer_id]"},
		{"mart_scores", "DAY on as_of, clustered on [customer_id]"},
		{"scores_copy", "DAY on as_of, clustered on [customer_id]"},
		{"manifest", "none"},
	} {
		md, err := bq.Client().Dataset("crm").Table(c.table).Metadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := "none"
		if md.TimePartitioning != nil {
			got = fmt.Sprintf("%s on %s, clustered on %v", md.TimePartitioning.Type, md.TimePartitioning.Field, md.Clustering.Fields)
		}
		if got != c.layout {
			t.Errorf("%s layout: %s, want %s", c.table, got, c.layout)
		}
	}
	// No staging table is left behind.
	it := bq.Client().Dataset("crm").Tables(ctx)
	var names []string
	for {
		tb, err := it.Next()
		if err != nil {
			break
		}
		names = append(names, tb.TableID)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.HasPrefix(n, "_crmkit_stage_") {
			t.Errorf("staging table left: %s (tables %v)", n, names)
		}
	}
}

// TestBigQueryEmulatorIngest runs the real ingester (manifest, raw table,
// quarantine in the dataset) on the shop CSV of the ingest tests on both
// engines: 8 rows read, 3 loaded, 5 quarantined, paid 95 + 1200.50 + 29.70.
// A second run of the same file is skipped, so no row is doubled.
func TestBigQueryEmulatorIngest(t *testing.T) {
	duck, bq := openBoth(t)
	ctx := context.Background()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "orders.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, wh := range both(duck, bq) {
		name := wh.Dialect().Name()
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "shop"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "shop", "orders.csv"), csv, 0o644); err != nil {
			t.Fatal(err)
		}
		src := config.Source{Name: "shopify_orders", Table: "order_lines", Channel: "shopify", Path: "shop/*.csv", Format: "csv", Encoding: "utf-8",
			TimestampLayout: "2006-01-02 15:04:05", DateLayout: "2006-01-02", Location: shanghai,
			Columns: map[string]string{"order_id": "Order", "email": "Email", "phone": "Phone", "order_ts": "Created at", "status": "Status",
				"sku": "SKU", "qty": "Qty", "unit_price": "Price", "discount": "Discount", "paid_amount": "Total", "refund_amount": "Refunded"}}
		cfg := &config.Config{BaseDir: dir, Sources: []config.Source{src}}
		if err := ingest.EnsureTables(ctx, wh); err != nil {
			t.Fatalf("%s: ensure tables: %v", name, err)
		}
		in := &ingest.Ingester{WH: wh, BaseDir: dir, RunID: "it"}
		for run := 0; run < 2; run++ {
			res, err := in.IngestSource(ctx, cfg, &cfg.Sources[0])
			if err != nil {
				t.Fatalf("%s: ingest run %d: %v", name, run+1, err)
			}
			if run == 0 && (res.RowsRead != 8 || res.RowsLoaded != 3 || res.RowsQuarantined != 5) {
				t.Errorf("%s: read/loaded/quarantined = %d/%d/%d, want 8/3/5", name, res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
			}
		}
		for _, c := range []struct{ q, want string }{
			{`SELECT count(*), sum(paid_amount), sum(refund_amount), min(order_ts) FROM raw_order_lines`, "3|1325.200000|1200.500000|2025-03-04T02:22:05Z"},
			{`SELECT count(*), sum(rows_loaded), sum(rows_quarantined), min(status) FROM load_files`, "1|3|5|loaded"},
			{`SELECT count(*), count(DISTINCT reason) > 0 FROM quarantine`, "5|true"},
		} {
			rows := query(t, wh, c.q)
			if len(rows) != 1 || rows[0] != c.want {
				t.Errorf("%s: %s = %q, want %q", name, c.q, rows, c.want)
			}
		}
	}
}
