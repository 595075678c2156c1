package ingest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// lineageRow is what the INSERT fills from constants (and _row and the
// order id, which come from the batches), for one stored row.
type lineageRow struct {
	loadID, source, file, channel, order string
	row                                  int64
}

func readLineage(t *testing.T, wh *warehouse.DuckDB) []lineageRow {
	t.Helper()
	// A raw row's source and file are its load's (load_files).
	rows, err := wh.DB().Query(`SELECT r._load_id, f.source, f.file, r.channel, r.order_id, r._row FROM raw_order_lines r
		JOIN load_files f ON f.load_id = r._load_id AND f.status = 'loaded' ORDER BY f.file, r._row`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []lineageRow
	for rows.Next() {
		var r lineageRow
		if err := rows.Scan(&r.loadID, &r.source, &r.file, &r.channel, &r.order, &r.row); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Grouped files whose INSERTs fill _load_id and channel from SQL constants
// store, per file and per row, exactly what loading every column from the
// batches stores (the path BigQuery keeps), in groups that span several
// files, that split where quarantined rows are written or the window of
// files ends, and with several workers. File names that would need quoting
// in SQL reach the manifest intact (the source and file of a row are its
// load's).
func TestConstColumnsStoreTheSameLineage(t *testing.T) {
	dir := t.TempDir()
	files := smallShopFiles(11, 4, func(i int) int { return 20 + 3*i })
	files[2].name = "shop/orders_02 o'neil.csv"
	files[5].name = `shop/orders_05 ''x'' \n ü.csv`
	files[8].name = "shop/orders_08 '); DROP TABLE raw_order_lines; --.csv"
	files[9].badEvery = 0
	writeShopFiles(t, dir, files)
	cfg := cfgFor(dir, shopifySource("shop/*.csv"))

	// The reference: every column from the batches, one Load per batch.
	ref := &countingWH{DuckDB: openWH(t), noStream: true}
	res, err := (&ingest.Ingester{WH: ref, BaseDir: dir, RunID: "test"}).IngestSource(context.Background(), cfg, &cfg.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, res)
	want := readLineage(t, ref.DuckDB)

	// What that is, spelled out per file.
	perFile := map[string][]lineageRow{}
	for _, r := range want {
		perFile[r.file] = append(perFile[r.file], r)
	}
	for fi, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		id := ingest.LoadID("shopify_orders", hex.EncodeToString(h[:]))
		got := perFile[f.name]
		if len(got) != f.good {
			t.Fatalf("reference: %s has %d rows, want %d", f.name, len(got), f.good)
		}
		for _, r := range got {
			var line int64
			if _, err := fmt.Sscanf(r.order, fmt.Sprintf("#F%d-%%d", fi), &line); err != nil {
				t.Fatalf("reference: %s: order %q: %v", f.name, r.order, err)
			}
			if r.loadID != id || r.source != "shopify_orders" || r.channel != "shopify" || r.row != line+1 {
				t.Fatalf("reference: %s: row %+v, want load id %s, _row %d", f.name, r, id, line+1)
			}
		}
	}

	for _, tc := range []struct {
		name               string
		workers, batch     int
		groupRows, window  int
		wantMaxInserts     int64 // 0: not checked
		wantSplitByWindow  bool
		wantSeveralPerStmt bool
	}{
		{name: "one group", workers: 1, wantMaxInserts: 3, wantSeveralPerStmt: true},
		{name: "small batches", workers: 1, batch: 16, wantSeveralPerStmt: true},
		{name: "window of three", workers: 1, window: 3, wantSplitByWindow: true, wantSeveralPerStmt: true},
		{name: "window of one", workers: 1, window: 1, wantSplitByWindow: true},
		{name: "two workers", workers: 2, batch: 7, window: 4},
		{name: "small groups", workers: 2, groupRows: 60},
		{name: "one file per transaction", workers: 1, groupRows: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.window > 0 {
				defer ingest.SetMaxWindow(tc.window)()
			}
			wh := &countingWH{DuckDB: openWH(t)}
			in := &ingest.Ingester{WH: wh, BaseDir: dir, RunID: "test", Workers: tc.workers, BatchRows: tc.batch, GroupRows: tc.groupRows}
			res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
			if err != nil {
				t.Fatal(err)
			}
			checkTotals(t, res)
			checkFilesLoaded(t, wh.DuckDB, files, "")
			if got := readLineage(t, wh.DuckDB); !reflect.DeepEqual(got, want) {
				t.Errorf("stored lineage differs from the reference:\n got %d rows, first %v\nwant %d rows, first %v", len(got), head(got), len(want), head(want))
			}
			if n := wh.constInserts.Load(); n == 0 || n != wh.inserts.Load() {
				t.Errorf("%d of %d INSERTs with constant columns, want all", n, wh.inserts.Load())
			}
			if tc.wantMaxInserts > 0 && wh.inserts.Load() > tc.wantMaxInserts {
				t.Errorf("%d INSERTs, want at most %d", wh.inserts.Load(), tc.wantMaxInserts)
			}
			if tc.wantSplitByWindow && wh.inserts.Load() < int64((len(files)+tc.window-1)/tc.window) {
				t.Errorf("%d INSERTs for %d files with a window of %d", wh.inserts.Load(), len(files), tc.window)
			}
			if tc.wantSeveralPerStmt && wh.inserts.Load() >= int64(len(files)) {
				t.Errorf("%d INSERTs for %d files: files do not share INSERTs", wh.inserts.Load(), len(files))
			}
			// Loading again adds nothing.
			if _, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0]); err != nil {
				t.Fatal(err)
			}
			if got := readLineage(t, wh.DuckDB); len(got) != len(want) {
				t.Errorf("rerun: %d rows, want %d", len(got), len(want))
			}
		})
	}
}

func head(rs []lineageRow) string {
	var b strings.Builder
	for i, r := range rs {
		if i == 3 {
			break
		}
		fmt.Fprintf(&b, "%+v ", r)
	}
	return b.String()
}

// The batches of a row builder hold _row and every canonical field, for
// every table (campaigns has a canonical field named channel).
func TestRowSchemaKeepsCanonicalFields(t *testing.T) {
	for _, name := range schema.Names() {
		tbl, _ := schema.Lookup(name)
		want := []string{schema.ColRow}
		for _, f := range tbl.Fields {
			want = append(want, f.Name)
		}
		var got []string
		for _, f := range ingest.RowSchema(tbl).Fields() {
			got = append(got, f.Name)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: row schema %v, want %v", name, got, want)
		}
	}
}

// TestOldLineageColumnsDropped: a raw table made by an earlier version,
// with _source and _file on every row, loses those two columns (its rows
// stay) when the tables are ensured, and new files then load into it.
func TestOldLineageColumnsDropped(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "old.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if err := wh.Exec(ctx, `CREATE TABLE raw_order_lines (_load_id VARCHAR NOT NULL, _source VARCHAR NOT NULL, _file VARCHAR NOT NULL,
		_row BIGINT NOT NULL, channel VARCHAR, order_id VARCHAR, store_id VARCHAR, associate_id VARCHAR, buyer_id VARCHAR,
		member_card VARCHAR, phone VARCHAR, email VARCHAR, "name" VARCHAR, device_id VARCHAR, order_ts TIMESTAMPTZ, status VARCHAR,
		sku VARCHAR, qty BIGINT, unit_price DOUBLE, discount DOUBLE, paid_amount DOUBLE, refund_amount DOUBLE)`); err != nil {
		t.Fatal(err)
	}
	if err := wh.Exec(ctx, `INSERT INTO raw_order_lines (_load_id, _source, _file, _row, channel, order_id, sku, qty, paid_amount)
		VALUES ('Lold', 'shopify_orders', 'old.csv', 2, 'shopify', 'OLD-1', 'X', 1, 10)`); err != nil {
		t.Fatal(err)
	}
	if err := ingest.EnsureTables(ctx, wh); err != nil {
		t.Fatal(err)
	}
	n, err := warehouse.Int64(ctx, wh, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'raw_order_lines' AND column_name IN ('_source', '_file')`)
	if err != nil || n != 0 {
		t.Fatalf("%d old lineage columns left (%v)", n, err)
	}
	// The table made before province gets it, empty on the old row.
	n, err = warehouse.Int64(ctx, wh, `SELECT count(*) FROM raw_order_lines WHERE order_id = 'OLD-1' AND province IS NULL`)
	if err != nil || n != 1 {
		t.Fatalf("old row with an empty province: %d (%v)", n, err)
	}
	dir := t.TempDir()
	files := smallShopFiles(2, 0, func(i int) int { return 10 + i })
	writeShopFiles(t, dir, files)
	cfg := cfgFor(dir, shopifySource("shop/*.csv"))
	res, err := (&ingest.Ingester{WH: wh, BaseDir: dir, RunID: "test"}).IngestSource(ctx, cfg, &cfg.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, res)
	total, err := warehouse.Int64(ctx, wh, `SELECT count(*) FROM raw_order_lines`)
	if err != nil || total != 1+10+11 {
		t.Fatalf("raw_order_lines has %d rows (%v), want the old row and 21 new", total, err)
	}
}
