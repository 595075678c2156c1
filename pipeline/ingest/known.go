package ingest

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// A source's drop folder keeps every file it ever held, so hashing each
// file on every run reads the whole history to load one new day (at a
// million customers, 2.4 GB of files for 0.5% new rows). A file whose
// name, size and modification time equal a manifest row's is taken to
// hold the content that row recorded: the same identity the ingest job's
// fingerprint already trusts to skip a source whose files did not change
// (jobs.sourceFingerprint). A file with any of the three changed is
// hashed, as before.

// knownFile is a manifest row that records its file's size and
// modification time.
type knownFile struct {
	source, hash, status string
	meta                 bool // size and modification time recorded
	bytes                int64
	mtime                time.Time
	rowsLoaded, rowsQuar int64
}

// knownFiles is the manifest by recorded file name.
type knownFiles map[string][]knownFile

// readKnownFiles reads the manifest, every source's (manifest_lookup
// finds a content's rows whatever their source).
func readKnownFiles(ctx context.Context, wh warehouse.Warehouse) (knownFiles, error) {
	recs, err := wh.Query(ctx, stmt(wh.Dialect(), "known_files", nil))
	if err != nil {
		return nil, fmt.Errorf("read the manifest (load_files): %w", err)
	}
	defer warehouse.Release(recs)
	out := knownFiles{}
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			k := knownFile{source: warehouse.StringAt(r, 0, i), hash: warehouse.StringAt(r, 2, i),
				meta: !r.Column(3).IsNull(i) && !r.Column(4).IsNull(i), bytes: warehouse.Int64At(r, 3, i),
				mtime: warehouse.TimeAt(r, 4, i), status: warehouse.StringAt(r, 5, i), rowsLoaded: warehouse.Int64At(r, 6, i), rowsQuar: warehouse.Int64At(r, 7, i)}
			name := warehouse.StringAt(r, 1, i)
			out[name] = append(out[name], k)
		}
	}
	return out, nil
}

// sameTime compares modification times at the manifest's precision
// (microseconds).
func sameTime(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// hash returns the content hash the manifest recorded for the source's
// file name of this size and modification time, and false when no row
// (or rows that disagree) records one.
func (k knownFiles) hash(source, name string, size int64, mtime time.Time) (string, bool) {
	h := ""
	for _, r := range k[name] {
		if r.source != source || !r.meta || r.bytes != size || !sameTime(r.mtime, mtime) {
			continue
		}
		if h != "" && h != r.hash {
			return "", false
		}
		h = r.hash
	}
	return h, h != ""
}

// loadedBefore reports whether the manifest settles this name and content
// as already loaded without a lookup: exactly one row loaded it under this
// name, and not every one of its rows went to quarantine (admit takes that
// as a rejection). In every other case admit asks the manifest itself.
func (k knownFiles) loadedBefore(name, hash string) bool {
	n, ok := 0, false
	for _, r := range k[name] {
		if r.hash != hash || r.status != StatusLoaded {
			continue
		}
		n++
		ok = !(r.rowsLoaded == 0 && r.rowsQuar > 0)
	}
	return n == 1 && ok
}

// hashOrKnown hashes the file at path unless the manifest knows its
// content by its name, size and modification time; hashed says which.
func (in *Ingester) hashOrKnown(known knownFiles, source, path string) (hash string, size int64, mtime time.Time, hashed bool, err error) {
	st, err := os.Stat(path)
	if err == nil && st.Mode().IsRegular() {
		if h, ok := known.hash(source, in.rel(path), st.Size(), st.ModTime()); ok {
			return h, st.Size(), st.ModTime(), false, nil
		}
	}
	hash, size, mtime, err = hashFile(path)
	return hash, size, mtime, true, err
}
