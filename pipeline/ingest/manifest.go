package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// manifestColumns are the load_files columns added after the table was
// first made: a warehouse made before them gets them on open
// (addManifestColumns).
//   - config_hash: ConfigHash of the source when the file was settled; a
//     rejected file is read again only when it differs.
//   - load_seq: the order in which files were taken for loading (a later
//     run's files get higher numbers, a drop's files rise in name order);
//     the newest export of a master row is the one of the highest load_seq.
var manifestColumns = []string{"config_hash", "load_seq"}

func addManifestColumns(ctx context.Context, wh warehouse.Warehouse) error {
	cols, err := warehouse.TableColumns(ctx, wh, "load_files")
	if err != nil {
		return fmt.Errorf("look up the columns of load_files: %w", err)
	}
	d := warehouse.SQLOf(wh.Dialect())
	for _, c := range manifestColumns {
		if slices.Contains(cols, c) {
			continue
		}
		f, _ := LoadFilesSchema.FieldsByName(c)
		if len(f) != 1 {
			return fmt.Errorf("add column load_files.%s: not in LoadFilesSchema", c)
		}
		if err := wh.Exec(ctx, stmt(d, "add_column", sqlData{Table: "load_files", Column: c, Type: d.ColumnType(f[0].Type)})); err != nil {
			return fmt.Errorf("add column load_files.%s: %w", c, err)
		}
	}
	return nil
}

// ConfigHash summarises what of a source's config decides how its files
// are read and mapped: everything but its name (part of the load id), its
// glob, its checks and the parsed values. Changing the mapping, a layout,
// the encoding or the time zone changes it, so the files the old config
// rejected are read again.
func ConfigHash(src *config.Source) string {
	c := *src
	c.Name, c.Path, c.Checks, c.Line, c.Location, c.ValidFromDate = "", "", config.Checks{}, 0, nil, time.Time{}
	b, err := json.Marshal(c) // maps are written in key order
	if err != nil {
		// A Source is strings, maps of strings and numbers.
		panic(fmt.Sprintf("ingest: hash the config of source %s: %v", src.Name, err))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// nextLoadSeq is the load_seq after every one recorded.
func nextLoadSeq(ctx context.Context, wh warehouse.Warehouse) (int64, error) {
	n, err := warehouse.Int64(ctx, wh, stmt(wh.Dialect(), "next_load_seq", nil))
	if err != nil {
		return 0, fmt.Errorf("read the last load sequence of load_files: %w", err)
	}
	return n, nil
}

// validRange is the time range of a source's timestamps: from its
// valid_from at 00:00 in its time zone (default 2000-01-01) to the end of
// today in the business time zone plus max_future.
func (in *Ingester) validRange(src *config.Source) (from, to time.Time) {
	srcLoc := src.Location
	if srcLoc == nil {
		srcLoc = time.UTC
	}
	vf := src.ValidFromDate
	if vf.IsZero() {
		vf, _ = time.Parse("2006-01-02", config.DefaultValidFrom)
	}
	from = time.Date(vf.Year(), vf.Month(), vf.Day(), 0, 0, 0, 0, srcLoc)
	loc := in.Location
	if loc == nil {
		loc = srcLoc
	}
	now := time.Now()
	if in.Now != nil {
		now = in.Now()
	}
	y, m, d := now.In(loc).Date()
	ahead := src.MaxFuture.D()
	if ahead <= 0 {
		ahead = config.DefaultMaxFuture // as config.Load sets it
	}
	to = time.Date(y, m, d+1, 0, 0, 0, 0, loc).Add(ahead)
	return from, to
}

// UnloadResult counts what Unload removed.
type UnloadResult struct {
	Files           []string // manifest rows removed, by file name
	RowsLoaded      int64    // raw rows removed
	RowsQuarantined int64    // quarantine rows removed
}

// Unload removes, in one transaction, the manifest rows of the source's
// files whose recorded name matches glob (path.Match syntax against the
// name as recorded, relative to the config's folder; a pattern without a
// slash also matches the base name), their raw rows and their quarantine
// rows. Raw rows are removed only for a file recorded as loaded: a
// duplicate shares its load with another file, which keeps its rows.
//
// With keepOut, each file is recorded as unloaded instead, and an ingest
// passes it over while it keeps that name and content (crmkit unload);
// without, it loads again on the next ingest of the source (crmkit
// reload).
func Unload(ctx context.Context, wh warehouse.Warehouse, src *config.Source, glob string, keepOut bool, runID string) (*UnloadResult, error) {
	if _, err := filepath.Match(glob, ""); err != nil {
		return nil, fmt.Errorf("unload %s: bad file pattern %q: %w", src.Name, glob, err)
	}
	tbl, ok := schema.Lookup(src.Table)
	if !ok {
		return nil, fmt.Errorf("unload %s: unknown table %q", src.Name, src.Table)
	}
	d := wh.Dialect()
	res := &UnloadResult{}
	err := wh.InTx(ctx, func(tx warehouse.Tx) error {
		recs, err := tx.Query(ctx, stmt(d, "source_files", nil), src.Name)
		if err != nil {
			return fmt.Errorf("read manifest of %s: %w", src.Name, err)
		}
		type entry struct{ file, loadID, status, hash string }
		var chosen []entry
		for _, rec := range recs {
			for i := 0; i < int(rec.NumRows()); i++ {
				e := entry{warehouse.StringAt(rec, 0, i), warehouse.StringAt(rec, 1, i), warehouse.StringAt(rec, 2, i), warehouse.StringAt(rec, 3, i)}
				if matchFile(glob, e.file) {
					chosen = append(chosen, e)
				}
			}
		}
		warehouse.Release(recs)
		for _, e := range chosen {
			if e.status == StatusLoaded {
				n, err := warehouse.Int64(ctx, tx, stmt(d, "count_raw_rows", sqlData{Raw: tbl.RawTable()}), e.loadID)
				if err != nil {
					return fmt.Errorf("count rows of %q: %w", e.file, err)
				}
				if err := tx.Exec(ctx, stmt(d, "delete_raw_rows", sqlData{Raw: tbl.RawTable()}), e.loadID); err != nil {
					return fmt.Errorf("remove rows of %q: %w", e.file, err)
				}
				res.RowsLoaded += n
			}
			n, err := warehouse.Int64(ctx, tx, stmt(d, "count_quarantined", nil), e.loadID, e.file)
			if err != nil {
				return fmt.Errorf("count quarantined rows of %q: %w", e.file, err)
			}
			if err := tx.Exec(ctx, stmt(d, "forget_quarantine", nil), e.loadID, e.file); err != nil {
				return fmt.Errorf("remove quarantined rows of %q: %w", e.file, err)
			}
			res.RowsQuarantined += n
			if err := tx.Exec(ctx, stmt(d, "delete_manifest_row", nil), src.Name, e.file, e.loadID); err != nil {
				return fmt.Errorf("remove manifest row of %q: %w", e.file, err)
			}
			if keepOut {
				if err := tx.Exec(ctx, stmt(d, "record_unloaded", nil), e.loadID, src.Name, e.file, e.hash, StatusUnloaded, runID); err != nil {
					return fmt.Errorf("record %q as unloaded: %w", e.file, err)
				}
			}
			if !slices.Contains(res.Files, e.file) {
				res.Files = append(res.Files, e.file)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// matchFile reports whether a recorded file name matches glob: the whole
// name, or its base name when glob has no slash.
func matchFile(glob, name string) bool {
	if ok, _ := filepath.Match(glob, name); ok {
		return true
	}
	if !strings.Contains(glob, "/") {
		ok, _ := filepath.Match(glob, filepath.Base(name))
		return ok
	}
	return false
}

// File statuses in the load_files manifest.
const (
	StatusLoaded    = "loaded"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
	StatusSkipped   = "skipped" // already loaded by an earlier run (not recorded again)
	// StatusUnloaded marks a file taken out by hand (Unload): it is passed
	// over while it keeps its name and content.
	StatusUnloaded = "unloaded"
)

func hashFile(path string) (string, int64, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, time.Time{}, err
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, time.Time{}, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, st.ModTime(), nil
}

// LoadID is the deterministic id of a source's load of a given content.
func LoadID(sourceName, hash string) string {
	h := sha256.Sum256([]byte(sourceName + "\x00" + hash))
	return "L" + hex.EncodeToString(h[:8])
}
