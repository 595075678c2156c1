package ingest_test

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeGzip writes the file src compressed to dst (cut short by cut
// bytes when cut > 0).
func writeGzip(t *testing.T, src, dst string, cut int) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := z.Bytes()
	out = out[:len(out)-cut]
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGzipFilesLoadAsPlain: a gzip-compressed export, named .gz or read
// with compression: gzip, loads the rows, quarantine (row numbers, raw
// text) and manifest counts of the same file uncompressed (8 read, 3
// loaded, 5 quarantined: TestCSVGoldenAndQuarantine). A truncated .gz
// beside it is rejected whole, naming the file, and the good one still
// loads.
func TestGzipFilesLoadAsPlain(t *testing.T) {
	plainDir := t.TempDir()
	mustCopy(t, "testdata/orders.csv", filepath.Join(plainDir, "shop", "orders.csv"))
	plainWH := openWH(t)
	ingestAll(t, plainWH, cfgFor(plainDir, shopifySource("shop/*.csv")))
	wantLines := readLines(t, plainWH, "true")
	wantQ := quarantineRows(t, plainWH.DB())

	cases := []struct {
		name, file, glob, compression string
	}{
		{"named .gz", "shop/orders.csv.gz", "shop/*.csv.gz", ""},
		{"compression gzip", "shop/orders.export", "shop/*.export", "gzip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeGzip(t, "testdata/orders.csv", filepath.Join(dir, c.file), 0)
			writeGzip(t, "testdata/orders.csv", filepath.Join(dir, strings.Replace(c.file, "orders", "broken", 1)), 8)
			wh := openWH(t)
			src := shopifySource(c.glob)
			src.Compression = c.compression
			res := ingestAll(t, wh, cfgFor(dir, src))[0]
			if res.RowsRead != 8 || res.RowsLoaded != 3 || res.RowsQuarantined != 5 {
				t.Fatalf("read/loaded/quarantined = %d/%d/%d, want 8/3/5", res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
			}
			if got := readLines(t, wh, "true"); !slices.Equal(got, wantLines) {
				t.Errorf("lines\n got %+v\nwant %+v", got, wantLines)
			}
			got := quarantineRows(t, wh.DB())
			if !slices.Equal(got, wantQ) {
				t.Errorf("quarantine\n got %q\nwant %q", got, wantQ)
			}
			var status, errText string
			broken := strings.Replace(c.file, "orders", "broken", 1)
			if err := wh.DB().QueryRow(`SELECT status, coalesce(error, '') FROM load_files WHERE file = ?`, broken).Scan(&status, &errText); err != nil {
				t.Fatalf("manifest row of %s: %v", broken, err)
			}
			if status != "rejected" || !strings.Contains(errText, "unexpected EOF") {
				t.Errorf("%s: status %q error %q, want rejected with unexpected EOF", broken, status, errText)
			}
			var loaded int64
			if err := wh.DB().QueryRow(`SELECT count(*) FROM load_files WHERE status = 'loaded' AND file = ?`, c.file).Scan(&loaded); err != nil || loaded != 1 {
				t.Errorf("%s loaded %d times (%v), want 1", c.file, loaded, err)
			}
		})
	}
}

// quarantineRows lists the quarantine as "row|column|reason|detail|raw",
// by row (the file name is left out: it differs between the cases).
func quarantineRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT "row" || '|' || coalesce("column", '') || '|' || reason || '|' || detail || '|' || raw FROM quarantine ORDER BY "row"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
