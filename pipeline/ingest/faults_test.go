package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

const shopHeader = "Order,Email,Phone,Created at,Status,SKU,Qty,Price,Discount,Total,Refunded\n"

func shopRow(order, ts, status string) string {
	return order + ",a@b.cn,13800000000," + ts + "," + status + ",SKU-1,1,10,0,10,0\n"
}

func gbk(t *testing.T, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fileWant is a file's expected manifest row and quarantine rows.
type fileWant struct {
	status                    string
	read, loaded, quarantined int64
	reasons                   map[string]int64 // quarantine reason -> rows
	errHas                    []string         // in the manifest's error
}

// TestIngestFaults loads hand-made files, each with one kind of fault, and
// checks each file's manifest row, raw rows and quarantine rows. The clock
// is 2026-03-10 12:00 UTC (20:00 in Shanghai): with the default max_future
// of 1 day, timestamps from 2026-03-12 00:00 Shanghai on are in the future.
func TestIngestFaults(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		files map[string]string // under shop/, raw bytes
		src   func(s *config.Source)
		want  map[string]fileWant
	}{
		{
			name: "timestamps outside valid_from .. today + max_future",
			files: map[string]string{"dates.csv": shopHeader +
				shopRow("D1", "0001-01-01 00:00:00", "paid") + // row 2: year 1
				shopRow("D2", "1999-12-31 23:59:59", "paid") + // row 3: before valid_from
				shopRow("D3", "2000-01-01 00:00:00", "paid") + // row 4: first valid instant
				shopRow("D4", "2026-03-11 23:59:59", "paid") + // row 5: last valid instant
				shopRow("D5", "2026-03-12 00:00:00", "paid") + // row 6: past max_future
				shopRow("D6", "2099-06-01 00:00:00", "paid")}, // row 7
			want: map[string]fileWant{"shop/dates.csv": {status: ingest.StatusLoaded, read: 6, loaded: 2, quarantined: 4, reasons: map[string]int64{"bad_date": 4}}},
		},
		{
			name: "valid_from and max_future from the config",
			files: map[string]string{"dates.csv": shopHeader +
				shopRow("D1", "2023-12-31 23:59:59", "paid") +
				shopRow("D2", "2024-01-01 00:00:00", "paid") +
				shopRow("D3", "2026-03-20 00:00:00", "paid") + // within 10 days
				shopRow("D4", "2026-03-21 00:00:00", "paid")}, // from the end of 03-10 + 10 days
			src: func(s *config.Source) {
				s.ValidFromDate = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
				s.MaxFuture = config.Duration(10 * 24 * time.Hour)
			},
			want: map[string]fileWant{"shop/dates.csv": {status: ingest.StatusLoaded, read: 4, loaded: 2, quarantined: 2, reasons: map[string]int64{"bad_date": 2}}},
		},
		{
			name: "gbk bytes in a utf-8 source reject that file alone",
			files: map[string]string{
				"a.csv": shopHeader + shopRow("A1", "2025-01-01 10:00:00", "paid") + shopRow("A2", "2025-01-02 10:00:00", "paid"),
				"b.csv": shopHeader + shopRow("B1", "2025-01-01 10:00:00", "paid") + shopRow("B2", "2025-01-01 10:00:00", gbk(t, "已付款")),
				"c.csv": shopHeader + shopRow("C1", "2025-01-03 10:00:00", "paid"),
			},
			want: map[string]fileWant{
				"shop/a.csv": {status: ingest.StatusLoaded, read: 2, loaded: 2},
				"shop/b.csv": {status: ingest.StatusRejected, errHas: []string{`"shop/b.csv" row 3`, "status", "not valid utf-8"}},
				"shop/c.csv": {status: ingest.StatusLoaded, read: 1, loaded: 1},
			},
		},
		{
			name: "a file whose every row is quarantined is rejected with its rows kept",
			files: map[string]string{
				"a.csv":   shopHeader + shopRow("A1", "2025-01-01 10:00:00", "paid"),
				"bad.csv": shopHeader + shopRow("B1", "01/02/2025 10:00", "paid") + shopRow("B2", "0001-01-01 00:00:00", "paid") + "B3,a@b.cn,,2025-01-01 10:00:00,paid,SKU-1,x,10,0,10,0\n",
			},
			want: map[string]fileWant{
				"shop/a.csv":   {status: ingest.StatusLoaded, read: 1, loaded: 1},
				"shop/bad.csv": {status: ingest.StatusRejected, read: 3, quarantined: 3, reasons: map[string]int64{"bad_date": 2, "bad_number": 1}, errHas: []string{"every row (3)", "bad_date (order_ts)"}},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range c.files {
				if err := os.MkdirAll(filepath.Join(dir, "shop"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "shop", name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wh := openWH(t)
			cfg := cfgFor(dir, shopifySource("shop/*.csv"))
			if c.src != nil {
				c.src(&cfg.Sources[0])
			}
			// Workers 1 and groups: a bad file rolls back its group and the
			// files load one by one.
			in := &ingest.Ingester{WH: wh, BaseDir: dir, RunID: "test", Workers: 1, Location: shanghai, Now: func() time.Time { return now }}
			res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
			if err != nil {
				t.Fatal(err)
			}
			checkTotals(t, res)
			checkManifest(t, wh, c.want)
		})
	}
}

func checkManifest(t *testing.T, wh *warehouse.DuckDB, want map[string]fileWant) {
	t.Helper()
	for file, w := range want {
		var got fileWant
		var errText *string
		var loadID string
		var n int
		if err := wh.DB().QueryRow(`SELECT count(*) OVER (), status, rows_read, rows_loaded, rows_quarantined, error, load_id FROM load_files WHERE file = ?`, file).
			Scan(&n, &got.status, &got.read, &got.loaded, &got.quarantined, &errText, &loadID); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if n != 1 || got.status != w.status || got.read != w.read || got.loaded != w.loaded || got.quarantined != w.quarantined {
			t.Errorf("%s: %d manifest rows, %s read %d loaded %d quarantined %d; want 1, %s %d %d %d", file, n, got.status, got.read, got.loaded, got.quarantined,
				w.status, w.read, w.loaded, w.quarantined)
		}
		for _, s := range w.errHas {
			if errText == nil || !strings.Contains(*errText, s) {
				t.Errorf("%s: error %v, want it to contain %q", file, deref(errText), s)
			}
		}
		var raw int64
		if err := wh.DB().QueryRow(`SELECT count(*) FROM raw_order_lines WHERE _load_id = ?`, loadID).Scan(&raw); err != nil || raw != w.loaded {
			t.Errorf("%s: %d raw rows (%v), want %d", file, raw, err, w.loaded)
		}
		rows, err := wh.DB().Query(`SELECT reason, count(*) FROM quarantine WHERE file = ? GROUP BY 1`, file)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]int64{}
		for rows.Next() {
			var r string
			var k int64
			if err := rows.Scan(&r, &k); err != nil {
				t.Fatal(err)
			}
			reasons[r] = k
		}
		rows.Close()
		if len(reasons) != len(w.reasons) {
			t.Errorf("%s: quarantine reasons %v, want %v", file, reasons, w.reasons)
		}
		for r, k := range w.reasons {
			if reasons[r] != k {
				t.Errorf("%s: quarantine reasons %v, want %v", file, reasons, w.reasons)
			}
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestRejectedFileReadAgainWhenConfigChanges: a wrong timestamp layout
// quarantines every row, so the file is rejected with its rows in
// quarantine; a run with the same config does not read it again (nothing
// doubled); fixing the layout reads it again and replaces its quarantine
// and manifest rows; Unload and a new ingest round-trip to the same counts.
func TestRejectedFileReadAgainWhenConfigChanges(t *testing.T) {
	dir := t.TempDir()
	body := shopHeader + shopRow("A1", "2025-01-01 10:00:00", "paid") + shopRow("A2", "2025-01-02 10:00:00", "paid") + "A3,a@b.cn,,2025-01-01 10:00:00,paid,SKU-1,x,10,0,10,0\n"
	if err := os.MkdirAll(filepath.Join(dir, "shop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shop", "a.csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	wh := openWH(t)
	broken := shopifySource("shop/*.csv")
	broken.TimestampLayout = "2006/01/02 15:04:05"
	fixed := shopifySource("shop/*.csv")
	rejected := fileWant{status: ingest.StatusRejected, read: 3, quarantined: 3, reasons: map[string]int64{"bad_date": 3}}
	loaded := fileWant{status: ingest.StatusLoaded, read: 3, loaded: 2, quarantined: 1, reasons: map[string]int64{"bad_number": 1}}
	steps := []struct {
		name   string
		src    *config.Source
		unload bool
		status string // of the file in the ingest's result
		want   fileWant
	}{
		{"broken layout", broken, false, ingest.StatusRejected, rejected},
		{"same config again", broken, false, ingest.StatusRejected, rejected},
		{"fixed layout", fixed, false, ingest.StatusLoaded, loaded},
		{"fixed again", fixed, false, ingest.StatusSkipped, loaded},
		{"unload then ingest", fixed, true, ingest.StatusUnloaded, fileWant{}},
		{"reload", fixed, false, ingest.StatusLoaded, loaded},
	}
	for i, s := range steps {
		cfg := cfgFor(dir, s.src)
		ctx := context.Background()
		if s.unload {
			u, err := ingest.Unload(ctx, wh, &cfg.Sources[0], "a.csv", true, "test")
			if err != nil {
				t.Fatal(err)
			}
			if len(u.Files) != 1 || u.RowsLoaded != 2 || u.RowsQuarantined != 1 {
				t.Fatalf("%s: unloaded %v, %d rows, %d quarantined; want [shop/a.csv], 2, 1", s.name, u.Files, u.RowsLoaded, u.RowsQuarantined)
			}
		}
		if i == 5 {
			if _, err := ingest.Unload(ctx, wh, &cfg.Sources[0], "shop/a.csv", false, "test"); err != nil {
				t.Fatal(err)
			}
		}
		res, err := (&ingest.Ingester{WH: wh, BaseDir: dir, RunID: "test"}).IngestSource(ctx, cfg, &cfg.Sources[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Files) != 1 || res.Files[0].Status != s.status {
			t.Fatalf("%s: %+v, want one file %s", s.name, res.Files, s.status)
		}
		if s.want.status == "" {
			var n int64
			if err := wh.DB().QueryRow(`SELECT (SELECT count(*) FROM raw_order_lines) + (SELECT count(*) FROM quarantine) + (SELECT count(*) FROM load_files WHERE status <> 'unloaded')`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s: %d rows left (%v), want 0", s.name, n, err)
			}
			continue
		}
		t.Run(s.name, func(t *testing.T) { checkManifest(t, wh, map[string]fileWant{"shop/a.csv": s.want}) })
	}
}
