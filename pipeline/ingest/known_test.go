package ingest_test

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/pipeline/ingest"
)

// TestKnownFilesAreNotReadAgain: a file the manifest recorded with the
// same name, size and modification time is not hashed again, and settles
// as it did; a file with any of the three changed is hashed (and, with new
// content, loaded).
func TestKnownFilesAreNotReadAgain(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "shop", "a.csv"), filepath.Join(dir, "shop", "b.csv")
	mustCopy(t, "testdata/orders.csv", a)
	wh := openWH(t)
	cfg := cfgFor(dir, shopifySource("shop/*.csv"))
	orig, err := os.ReadFile("testdata/orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	// b: the same layout with other order ids (3 rows load, 5 quarantined, as in a)
	other := []byte(strings.ReplaceAll(string(orig), "S10", "T10"))
	old := time.Date(2025, 3, 8, 9, 0, 0, 123456789, time.UTC)
	for _, step := range []struct {
		name   string
		change func()
		// hashed files, rows loaded, and each file's status
		hashed int
		loaded int64
		status map[string]string
	}{
		{"first drop: a is read", func() { chtime(t, a, old) }, 1, 3, map[string]string{"a.csv": ingest.StatusLoaded}},
		{"nothing new: a known by name, size and time", func() {}, 0, 0, map[string]string{"a.csv": ingest.StatusSkipped}},
		{"a new day: only b is read", func() { write(t, b, other, old.Add(time.Hour)) }, 1, 3,
			map[string]string{"a.csv": ingest.StatusSkipped, "b.csv": ingest.StatusLoaded}},
		{"a touched (same content, new time): read, already loaded", func() { chtime(t, a, old.Add(2*time.Hour)) }, 1, 0,
			map[string]string{"a.csv": ingest.StatusSkipped, "b.csv": ingest.StatusSkipped}},
		{"b rewritten with a's content and a new time: read, a duplicate; a is read again (the manifest keeps the time of its load)",
			func() { write(t, b, orig, old.Add(3*time.Hour)) }, 2, 0,
			map[string]string{"a.csv": ingest.StatusSkipped, "b.csv": ingest.StatusDuplicate}},
		{"b rewritten with new rows of the same size at the time of its load: taken for the content loaded then, not read", func() {
			chtime(t, a, old)
			write(t, b, []byte(strings.ReplaceAll(string(orig), "S10", "U10")), old.Add(time.Hour))
		}, 0, 0, map[string]string{"a.csv": ingest.StatusSkipped, "b.csv": ingest.StatusSkipped}},
	} {
		step.change()
		res := ingestAll(t, wh, cfg)[0]
		got := map[string]string{}
		for _, f := range res.Files {
			got[filepath.Base(f.File)] = f.Status
		}
		if res.Hashed != step.hashed || res.RowsLoaded != step.loaded || !maps.Equal(got, step.status) {
			t.Errorf("%s: hashed %d, loaded %d, statuses %v; want %d, %d, %v", step.name, res.Hashed, res.RowsLoaded, got, step.hashed, step.loaded, step.status)
		}
	}
}

func chtime(t *testing.T, path string, at time.Time) {
	t.Helper()
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, b []byte, at time.Time) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	chtime(t, path, at)
}
