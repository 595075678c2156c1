package ingest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/source"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// garbledFormat is CSV whose reader fails (an unreadable part of the file,
// not a bad row) when it meets a field "GARBLED".
const garbledFormat = "csv_garbled_test"

func init() {
	source.Register(garbledFormat, func(path string, opts source.Options) (source.Reader, error) {
		rd, err := source.Open("csv", path, opts)
		if err != nil {
			return nil, err
		}
		return garbledReader{rd}, nil
	})
}

type garbledReader struct{ source.Reader }

func (r garbledReader) Next() (*source.Row, error) {
	row, err := r.Reader.Next()
	if err == nil && len(row.Fields) > 0 && row.Fields[0] == "GARBLED" {
		return nil, errors.New("garbled bytes")
	}
	return row, err
}

// countingWH counts the transactions and the streaming INSERTs of a load.
// With noStream its transactions have no streaming loader (as on BigQuery).
type countingWH struct {
	*warehouse.DuckDB
	noStream bool
	txs      atomic.Int64
	inserts  atomic.Int64
	// constInserts counts the INSERTs that fill the per-file columns
	// from constants.
	constInserts atomic.Int64
}

func (w *countingWH) InTx(ctx context.Context, fn func(tx warehouse.Tx) error) error {
	w.txs.Add(1)
	return w.DuckDB.InTx(ctx, func(tx warehouse.Tx) error {
		if w.noStream {
			return fn(struct{ warehouse.Tx }{tx})
		}
		return fn(countingTx{Tx: tx, w: w})
	})
}

type countingTx struct {
	warehouse.Tx
	w *countingWH
}

func (t countingTx) LoadReader(ctx context.Context, table string, rdr array.RecordReader) (int64, error) {
	t.w.inserts.Add(1)
	return t.Tx.(interface {
		LoadReader(context.Context, string, array.RecordReader) (int64, error)
	}).LoadReader(ctx, table, rdr)
}

func (t countingTx) LoadReaderConst(ctx context.Context, table string, rdr array.RecordReader, choice string, cols ...warehouse.ColumnValues) (int64, error) {
	t.w.inserts.Add(1)
	t.w.constInserts.Add(1)
	return t.Tx.(interface {
		LoadReaderConst(context.Context, string, array.RecordReader, string, ...warehouse.ColumnValues) (int64, error)
	}).LoadReaderConst(ctx, table, rdr, choice, cols...)
}

// shopFile is a generated Shopify CSV: rows lines, every badEvery-th with a
// bad quantity (quarantined), and optionally a line the reader cannot read.
type shopFile struct {
	name          string // relative to the data dir
	rows          int
	badEvery      int // 0: no bad rows
	garbledAt     int // 1-based line (after the header) the reader fails on; 0: none
	good, bad     int
	wantRejection bool
	// Set by writeShopFiles: the file's position (its order ids are
	// "#F<index>-<line>") and its load id, from its content.
	index  int
	loadID string
}

func writeShopFiles(t *testing.T, dir string, files []*shopFile) {
	t.Helper()
	for fi, f := range files {
		var b strings.Builder
		b.WriteString("Order,Email,Phone,Created at,Status,SKU,Qty,Price,Discount,Total,Refunded\n")
		f.good, f.bad = 0, 0
		for i := 1; i <= f.rows; i++ {
			if i == f.garbledAt {
				b.WriteString("GARBLED\n")
				continue
			}
			qty := "1"
			if f.badEvery > 0 && i%f.badEvery == 0 {
				qty = "x"
				f.bad++
			} else {
				f.good++
			}
			fmt.Fprintf(&b, "#F%d-%d,a%d@x.com,,2025-01-02 03:04:05,paid,SKU-%d,%s,10,0,10,0\n", fi, i, i, i%13, qty)
		}
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(b.String()))
		f.index, f.loadID = fi, ingest.LoadID("shopify_orders", hex.EncodeToString(h[:]))
	}
}

func smallShopFiles(n, badEvery int, rows func(i int) int) []*shopFile {
	var out []*shopFile
	for i := range n {
		out = append(out, &shopFile{name: fmt.Sprintf("shop/orders_%02d.csv", i), rows: rows(i), badEvery: badEvery})
	}
	return out
}

// checkFilesLoaded checks that each file that should load has exactly one
// manifest row, with its own counts and load id, matching its rows in the
// raw table and in the quarantine; a file to be rejected has no rows.
func checkFilesLoaded(t *testing.T, wh *warehouse.DuckDB, files []*shopFile, skip string) {
	t.Helper()
	db := wh.DB()
	var wantRows, wantQuar int
	for _, f := range files {
		if f.name == skip {
			continue
		}
		var manifests, read, loaded, quar int64
		var loadID string
		err := db.QueryRow(`SELECT count(*), coalesce(any_value(rows_read), 0), coalesce(any_value(rows_loaded), 0), coalesce(any_value(rows_quarantined), 0), coalesce(any_value(load_id), '')
			FROM load_files WHERE file = ? AND status = 'loaded'`, f.name).Scan(&manifests, &read, &loaded, &quar, &loadID)
		if err != nil {
			t.Fatal(err)
		}
		// The file's rows, by the load id of its content: each of its own
		// lines once (its order ids), none of another file's.
		var rawRows, rawDistinct, rawOther, qRows, qOtherID int64
		db.QueryRow(`SELECT count(*), count(DISTINCT _row), count(*) FILTER (WHERE NOT starts_with(order_id, ?)) FROM raw_order_lines WHERE _load_id = ?`,
			fmt.Sprintf("#F%d-", f.index), f.loadID).Scan(&rawRows, &rawDistinct, &rawOther)
		db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE load_id <> ?) FROM quarantine WHERE file = ?`, f.loadID, f.name).Scan(&qRows, &qOtherID)
		if f.wantRejection {
			var status string
			db.QueryRow(`SELECT string_agg(status, ',') FROM load_files WHERE file = ?`, f.name).Scan(&status)
			if status != ingest.StatusRejected || rawRows != 0 || qRows != 0 {
				t.Errorf("%s: manifest %q, %d rows, %d quarantined; want rejected with none", f.name, status, rawRows, qRows)
			}
			continue
		}
		wantRows += f.good
		wantQuar += f.bad
		if manifests != 1 || loadID != f.loadID || read != int64(f.rows) || loaded != int64(f.good) || quar != int64(f.bad) {
			t.Errorf("%s: %d manifest rows (load %s), read/loaded/quarantined %d/%d/%d; want 1 row (load %s) with %d/%d/%d",
				f.name, manifests, loadID, read, loaded, quar, f.loadID, f.rows, f.good, f.bad)
		}
		if rawRows != int64(f.good) || rawDistinct != rawRows || rawOther != 0 {
			t.Errorf("%s: %d raw rows under load %s (%d distinct _row, %d of another file); want %d", f.name, rawRows, f.loadID, rawDistinct, rawOther, f.good)
		}
		if qRows != int64(f.bad) || qOtherID != 0 {
			t.Errorf("%s: %d quarantine rows (%d not of load %s); want %d", f.name, qRows, qOtherID, f.loadID, f.bad)
		}
	}
	n, _ := warehouse.Count(context.Background(), wh, "raw_order_lines")
	q, _ := warehouse.Count(context.Background(), wh, "quarantine")
	if n != int64(wantRows) || q != int64(wantQuar) {
		t.Errorf("raw_order_lines %d rows, quarantine %d; want %d and %d", n, q, wantRows, wantQuar)
	}
}

func checkTotals(t *testing.T, res *ingest.SourceResult) {
	t.Helper()
	var read, loaded, quar int64
	for _, f := range res.Files {
		if f.RowsRead != f.RowsLoaded+f.RowsQuarantined {
			t.Errorf("%s: read %d != loaded %d + quarantined %d", f.File, f.RowsRead, f.RowsLoaded, f.RowsQuarantined)
		}
		read += f.RowsRead
		loaded += f.RowsLoaded
		quar += f.RowsQuarantined
	}
	if res.RowsRead != read || res.RowsLoaded != loaded || res.RowsQuarantined != quar || read != loaded+quar {
		t.Errorf("source read/loaded/quarantined %d/%d/%d, files sum to %d/%d/%d", res.RowsRead, res.RowsLoaded, res.RowsQuarantined, read, loaded, quar)
	}
}

// Many small files of a source, loaded in groups of several files per
// transaction, each keep their own manifest row and counts; loading the
// folder again loads nothing.
func TestGroupedSmallFilesLoadWholeAndOnce(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		workers, batch, groupRows  int
		noStream                   bool
		badEvery                   int
		wantMaxTxs, wantMaxInserts int64 // 0: not checked
	}{
		{name: "default", badEvery: 9},
		{name: "one worker", workers: 1, badEvery: 9, wantMaxTxs: 1, wantMaxInserts: 1},
		{name: "no bad rows", workers: 1, wantMaxTxs: 1, wantMaxInserts: 1},
		{name: "small batches", workers: 2, batch: 5, badEvery: 4},
		{name: "small groups", workers: 3, groupRows: 50, badEvery: 7},
		{name: "one file per transaction", groupRows: -1, badEvery: 9},
		{name: "no streaming loader", workers: 2, noStream: true, badEvery: 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := smallShopFiles(17, tc.badEvery, func(i int) int { return 10 + 7*i })
			writeShopFiles(t, dir, files)
			wh := &countingWH{DuckDB: openWH(t), noStream: tc.noStream}
			cfg := cfgFor(dir, shopifySource("shop/*.csv"))
			in := &ingest.Ingester{WH: wh, BaseDir: dir, RunID: "test", Workers: tc.workers, BatchRows: tc.batch, GroupRows: tc.groupRows}
			res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Files) != len(files) || res.Rejected != 0 {
				t.Fatalf("%d file results, %d rejected; want %d, 0", len(res.Files), res.Rejected, len(files))
			}
			for _, f := range res.Files {
				if f.Status != ingest.StatusLoaded {
					t.Errorf("%s: %s (%v)", f.File, f.Status, f.Err)
				}
			}
			checkTotals(t, res)
			checkFilesLoaded(t, wh.DuckDB, files, "")
			if tc.wantMaxTxs > 0 && wh.txs.Load() > tc.wantMaxTxs {
				t.Errorf("%d transactions, want at most %d", wh.txs.Load(), tc.wantMaxTxs)
			}
			if tc.wantMaxInserts > 0 && wh.inserts.Load() > tc.wantMaxInserts {
				t.Errorf("%d INSERTs, want at most %d", wh.inserts.Load(), tc.wantMaxInserts)
			}

			// Again: nothing new.
			txs := wh.txs.Load()
			again, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
			if err != nil {
				t.Fatal(err)
			}
			if again.RowsRead != 0 || again.RowsLoaded != 0 || len(again.Files) != len(files) {
				t.Errorf("second run read %d loaded %d over %d files", again.RowsRead, again.RowsLoaded, len(again.Files))
			}
			for _, f := range again.Files {
				if f.Status != ingest.StatusSkipped {
					t.Errorf("second run: %s is %s", f.File, f.Status)
				}
			}
			if wh.txs.Load() != txs {
				t.Errorf("second run opened %d transactions", wh.txs.Load()-txs)
			}
			checkFilesLoaded(t, wh.DuckDB, files, "")
			if m, _ := warehouse.Count(context.Background(), wh, "load_files"); m != int64(len(files)) {
				t.Errorf("%d manifest rows, want %d", m, len(files))
			}
		})
	}
}

// A file that fails half-way inside a group (AfterBatch, or its reader)
// is rolled back with its group; the group's files are then loaded one by
// one, so that file is reported as on its own and every other file loads
// exactly once.
func TestGroupWithFailingFileLoadsTheOthers(t *testing.T) {
	boom := errors.New("injected failure")
	const bad = "shop/orders_04.csv"
	for _, tc := range []struct {
		name     string
		format   string
		garbled  bool
		failHook bool
		wantErr  error
	}{
		{name: "AfterBatch error", format: "csv", failHook: true, wantErr: boom},
		{name: "unreadable part", format: garbledFormat, garbled: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := smallShopFiles(9, 5, func(i int) int { return 30 + i })
			if tc.garbled {
				files[4].garbledAt = 17
				files[4].wantRejection = true
			}
			writeShopFiles(t, dir, files)
			wh := &countingWH{DuckDB: openWH(t)}
			src := shopifySource("shop/*.csv")
			src.Format = tc.format
			cfg := cfgFor(dir, src)
			// Which files each transaction took batches of (one worker:
			// transactions run one after the other).
			var mu sync.Mutex
			filesOfTx := map[int64]map[string]bool{}
			in := &ingest.Ingester{WH: wh, BaseDir: dir, RunID: "test", Workers: 1, BatchRows: 4, GroupRows: 1 << 20,
				AfterBatch: func(file string, rows int64) error {
					mu.Lock()
					tx := wh.txs.Load()
					if filesOfTx[tx] == nil {
						filesOfTx[tx] = map[string]bool{}
					}
					filesOfTx[tx][file] = true
					mu.Unlock()
					if tc.failHook && file == bad && rows >= 12 {
						return boom
					}
					return nil
				}}
			res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil {
				checkTotals(t, res)
				if res.Rejected != 1 {
					t.Errorf("%d files rejected, want 1", res.Rejected)
				}
				for _, f := range res.Files {
					if f.File == bad && (f.Status != ingest.StatusRejected || f.Err == nil || !strings.Contains(f.Err.Error(), bad)) {
						t.Errorf("%s: %s (%v), want rejected with an error naming it", f.File, f.Status, f.Err)
					}
				}
			}
			checkFilesLoaded(t, wh.DuckDB, files, bad)
			if !tc.garbled {
				var n int64
				var badID string
				for _, f := range files {
					if f.name == bad {
						badID = f.loadID
					}
				}
				wh.DB().QueryRow(`SELECT (SELECT count(*) FROM load_files WHERE file = ?) + (SELECT count(*) FROM raw_order_lines WHERE _load_id = ?) + (SELECT count(*) FROM quarantine WHERE file = ?)`,
					bad, badID, bad).Scan(&n)
				if n != 0 {
					t.Errorf("%d rows of %s left after its failure", n, bad)
				}
			}
			// The failing file was first in a group with others, then
			// tried alone.
			var together, alone bool
			for _, fs := range filesOfTx {
				if fs[bad] {
					together = together || len(fs) > 1
					alone = alone || len(fs) == 1
				}
			}
			if !tc.garbled && (!together || !alone) {
				t.Errorf("%s was in a group: %v, alone: %v; want both (%v)", bad, together, alone, filesOfTx)
			}
			if tc.garbled && !together {
				t.Errorf("%s was never in a group (%v)", bad, filesOfTx)
			}

			if tc.failHook {
				// Without the failure the rest loads, once.
				in.AfterBatch = nil
				res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
				if err != nil {
					t.Fatal(err)
				}
				if res.RowsRead != int64(files[4].rows) {
					t.Errorf("rerun read %d rows, want %s's %d", res.RowsRead, bad, files[4].rows)
				}
				checkFilesLoaded(t, wh.DuckDB, files, "")
			}
		})
	}
}

// The quarantined rows of each file of a group go to the quarantine with
// that file's load id and counts, also when there are enough of them to
// end the group's INSERT and start another in the same transaction.
func TestGroupedFilesQuarantineKeepsItsLoadID(t *testing.T) {
	for _, tc := range []struct {
		name      string
		batch     int
		badEvery  int
		wantSplit bool // quarantine piles up: more INSERTs than transactions
	}{
		{name: "few bad rows", batch: 0, badEvery: 6},
		{name: "bad rows pile up", batch: 8, badEvery: 2, wantSplit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := smallShopFiles(6, tc.badEvery, func(i int) int { return 25 + 3*i })
			files[2].badEvery = 0 // a clean file between files with bad rows
			writeShopFiles(t, dir, files)
			wh := &countingWH{DuckDB: openWH(t)}
			cfg := cfgFor(dir, shopifySource("shop/*.csv"))
			in := &ingest.Ingester{WH: wh, BaseDir: dir, RunID: "test", Workers: 1, BatchRows: tc.batch, GroupRows: 1 << 20}
			res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
			if err != nil {
				t.Fatal(err)
			}
			if wh.txs.Load() != 1 {
				t.Errorf("%d transactions, want 1 group", wh.txs.Load())
			}
			if split := wh.inserts.Load() > 1; split != tc.wantSplit {
				t.Errorf("%d INSERTs in the group", wh.inserts.Load())
			}
			checkTotals(t, res)
			checkFilesLoaded(t, wh.DuckDB, files, "")
			for i, f := range res.Files {
				if f.RowsQuarantined != int64(files[i].bad) || f.LoadID == "" {
					t.Errorf("%s: %d quarantined, load id %q; want %d", f.File, f.RowsQuarantined, f.LoadID, files[i].bad)
				}
				var qid string
				wh.DB().QueryRow(`SELECT coalesce(string_agg(DISTINCT load_id, ','), '') FROM quarantine WHERE file = ?`, f.File).Scan(&qid)
				if files[i].bad > 0 && qid != f.LoadID {
					t.Errorf("%s: quarantine load ids %q, want %q", f.File, qid, f.LoadID)
				}
			}
		})
	}
}

// Small files share transactions and INSERTs: a source of n files commits
// in fewer transactions than files unless told otherwise.
func TestSmallFilesShareTransactions(t *testing.T) {
	const n, rows = 12, 40
	for _, tc := range []struct {
		name        string
		workers     int
		groupRows   int
		batch       int
		noStream    bool
		minTxs      int64
		maxTxs      int64
		wantInserts int64 // 0: not checked
	}{
		{name: "default target", workers: 1, minTxs: 1, maxTxs: 1, wantInserts: 1},
		{name: "groups of three files", workers: 1, groupRows: 3 * rows, minTxs: 4, maxTxs: 4, wantInserts: 4},
		{name: "groups of two and a half files", workers: 1, groupRows: 2*rows + rows/2, minTxs: 4, maxTxs: 4},
		{name: "target from batch size", workers: 1, batch: 10, minTxs: 6, maxTxs: 6}, // 8 batches of 10 rows: two files
		{name: "two workers", workers: 2, minTxs: 1, maxTxs: 2},
		{name: "negative: one file per transaction", workers: 1, groupRows: -1, minTxs: n, maxTxs: n, wantInserts: n},
		{name: "no streaming loader: one file per transaction", workers: 2, noStream: true, minTxs: n, maxTxs: n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := smallShopFiles(n, 0, func(int) int { return rows })
			writeShopFiles(t, dir, files)
			wh := &countingWH{DuckDB: openWH(t), noStream: tc.noStream}
			cfg := cfgFor(dir, shopifySource("shop/*.csv"))
			in := &ingest.Ingester{WH: wh, BaseDir: dir, Workers: tc.workers, GroupRows: tc.groupRows, BatchRows: tc.batch}
			res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
			if err != nil {
				t.Fatal(err)
			}
			if res.RowsLoaded != n*rows {
				t.Fatalf("loaded %d rows, want %d", res.RowsLoaded, n*rows)
			}
			if got := wh.txs.Load(); got < tc.minTxs || got > tc.maxTxs {
				t.Errorf("%d transactions for %d files, want %d..%d", got, n, tc.minTxs, tc.maxTxs)
			}
			if tc.wantInserts > 0 && wh.inserts.Load() != tc.wantInserts {
				t.Errorf("%d INSERTs, want %d", wh.inserts.Load(), tc.wantInserts)
			}
			checkFilesLoaded(t, wh.DuckDB, files, "")
		})
	}
}

// Cancelling the context stops a grouped load: nothing of the group
// commits and the error is the context's.
func TestGroupedLoadCancelled(t *testing.T) {
	dir := t.TempDir()
	files := smallShopFiles(6, 0, func(int) int { return 30 })
	writeShopFiles(t, dir, files)
	wh := openWH(t)
	cfg := cfgFor(dir, shopifySource("shop/*.csv"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &ingest.Ingester{WH: wh, BaseDir: dir, Workers: 1, BatchRows: 5, AfterBatch: func(file string, rows int64) error {
		if file == "shop/orders_03.csv" && rows >= 10 {
			cancel()
		}
		return nil
	}}
	_, err := in.IngestSource(ctx, cfg, &cfg.Sources[0])
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var partial int64
	if err := wh.DB().QueryRow(`SELECT count(*) FROM (SELECT _load_id, count(*) AS n FROM raw_order_lines GROUP BY 1) r
		LEFT JOIN load_files f ON f.load_id = r._load_id AND f.status = 'loaded' WHERE f.load_id IS NULL OR f.rows_loaded <> r.n`).Scan(&partial); err != nil {
		t.Fatal(err)
	}
	if partial != 0 {
		t.Errorf("%d files partly loaded after cancel", partial)
	}
	// A new run loads everything, once.
	res, err := (&ingest.Ingester{WH: wh, BaseDir: dir}).IngestSource(context.Background(), cfg, &cfg.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, res)
	checkFilesLoaded(t, wh, files, "")
}

// Files that need no load or cannot be mapped are settled before they
// could join a group: a header mismatch is rejected, a copy of another file
// of the drop is a duplicate, and the rest still load in one group.
func TestGroupSettlesHeaderErrorsAndDuplicatesApart(t *testing.T) {
	dir := t.TempDir()
	files := smallShopFiles(8, 4, func(i int) int { return 20 + i })
	writeShopFiles(t, dir, files)
	badHeader := "Order,Mail,Phone,Created,Status,SKU,Qty,Price,Discount,Total,Refunded\nS9,x@y.z,,2025-01-01 00:00:00,paid,SKU-1,1,1,0,1,0\n"
	if err := os.WriteFile(filepath.Join(dir, files[3].name), []byte(badHeader), 0o644); err != nil {
		t.Fatal(err)
	}
	files[3].wantRejection = true
	mustCopy(t, filepath.Join(dir, files[1].name), filepath.Join(dir, files[6].name))
	const dup = "shop/orders_06.csv"
	wh := &countingWH{DuckDB: openWH(t)}
	cfg := cfgFor(dir, shopifySource("shop/*.csv"))
	in := &ingest.Ingester{WH: wh, BaseDir: dir, RunID: "test", Workers: 1}
	res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, res)
	if wh.txs.Load() != 1 {
		t.Errorf("%d transactions, want 1 group", wh.txs.Load())
	}
	want := map[string]string{files[3].name: ingest.StatusRejected, dup: ingest.StatusDuplicate}
	for _, f := range res.Files {
		w := want[f.File]
		if w == "" {
			w = ingest.StatusLoaded
		}
		if f.Status != w {
			t.Errorf("%s: %s (%v), want %s", f.File, f.Status, f.Err, w)
		}
	}
	checkFilesLoaded(t, wh.DuckDB, append(files[:6:6], files[7]), "")
	var status string
	wh.DB().QueryRow(`SELECT string_agg(status, ',') FROM load_files WHERE file = ?`, dup).Scan(&status)
	if status != ingest.StatusDuplicate {
		t.Errorf("manifest of %s: %q, want duplicate", dup, status)
	}
}
