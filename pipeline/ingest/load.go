package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/source"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// File statuses in the load_files manifest.
const (
	StatusLoaded    = "loaded"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
	StatusSkipped   = "skipped" // already loaded by an earlier run (not recorded again)
)

// Bookkeeping DDL: the manifest of loaded files and the quarantine.
var bookkeepingDDL = []string{
	`CREATE TABLE IF NOT EXISTS load_files (
		load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, file VARCHAR NOT NULL, hash VARCHAR NOT NULL,
		bytes BIGINT, status VARCHAR NOT NULL, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
		error VARCHAR, run_id VARCHAR, loaded_at TIMESTAMPTZ, file_mtime TIMESTAMPTZ)`,
	`CREATE TABLE IF NOT EXISTS quarantine (
		load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, file VARCHAR NOT NULL, "row" BIGINT NOT NULL,
		"column" VARCHAR, reason VARCHAR NOT NULL, detail VARCHAR, raw VARCHAR)`,
}

// EnsureTables creates the manifest, quarantine and raw tables.
func EnsureTables(ctx context.Context, wh warehouse.Warehouse) error {
	for _, s := range bookkeepingDDL {
		if err := wh.Exec(ctx, s); err != nil {
			return fmt.Errorf("create bookkeeping tables: %w", err)
		}
	}
	for _, n := range schema.Names() {
		t, _ := schema.Lookup(n)
		if err := wh.Exec(ctx, t.CreateRawSQL()); err != nil {
			return fmt.Errorf("create %s: %w", t.RawTable(), err)
		}
	}
	return nil
}

// Ingester loads the files of sources into the warehouse.
type Ingester struct {
	WH  warehouse.Warehouse
	Log *slog.Logger
	// RunID is recorded on each manifest row.
	RunID string
	// BatchRows is the Arrow batch size (default 65536).
	BatchRows int
	// BaseDir makes recorded file paths relative (portable manifests).
	BaseDir string
	// AfterBatch, when set, runs inside a file's transaction after each batch
	// is appended; an error aborts the file and rolls it back. Tests use it
	// to inject a failure half-way through a file.
	AfterBatch func(file string, rowsLoaded int64) error
	// Mem is the Arrow allocator (default memory.DefaultAllocator).
	Mem memory.Allocator
	// Workers bounds the files of one source parsed and loaded at once, each
	// in its own transaction (default GOMAXPROCS).
	Workers int
}

// FileResult is the outcome for one file.
type FileResult struct {
	File            string
	LoadID          string
	Status          string
	RowsRead        int64
	RowsLoaded      int64
	RowsQuarantined int64
	Err             error
}

// SourceResult sums a source's files.
type SourceResult struct {
	Source          string
	Files           []FileResult
	RowsRead        int64
	RowsLoaded      int64
	RowsQuarantined int64
	Rejected        int
}

// IngestSource loads every new file matching the source's glob. A file that
// cannot be read or mapped is rejected (recorded with the reason) and the
// other files still load. The returned error is only for failures of the
// warehouse itself.
func (in *Ingester) IngestSource(ctx context.Context, cfg *config.Config, src *config.Source) (*SourceResult, error) {
	pattern := cfg.Resolve(src.Path)
	files, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("source %s: bad glob %q: %w", src.Name, src.Path, err)
	}
	sort.Strings(files)
	res := &SourceResult{Source: src.Name}
	// Hash every file first: identical contents in this drop are loaded
	// once (the first in name order), the copies are settled afterwards
	// against the manifest, so concurrent loads can never double a file.
	type job struct {
		path             string
		hash             string
		size             int64
		mtime            time.Time
		err              error
		duplicateOfBatch bool
	}
	jobsList := make([]job, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		h, size, mtime, err := hashFile(f)
		jobsList[i] = job{path: f, hash: h, size: size, mtime: mtime, err: err}
		if err == nil {
			jobsList[i].duplicateOfBatch = seen[h]
			seen[h] = true
		}
	}
	results := make([]FileResult, len(files))
	errs := make([]error, len(files))
	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range jobsList {
		j := jobsList[i]
		if j.duplicateOfBatch {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			results[i], errs[i] = in.loadHashed(ctx, src, j.path, j.hash, j.size, j.mtime, j.err)
		}(i)
	}
	wg.Wait()
	for i, j := range jobsList {
		if !j.duplicateOfBatch {
			continue
		}
		results[i], errs[i] = in.loadHashed(ctx, src, j.path, j.hash, j.size, j.mtime, j.err)
	}
	for i := range results {
		if errs[i] != nil {
			return res, errs[i]
		}
		fr := results[i]
		res.Files = append(res.Files, fr)
		res.RowsRead += fr.RowsRead
		res.RowsLoaded += fr.RowsLoaded
		res.RowsQuarantined += fr.RowsQuarantined
		if fr.Status == StatusRejected {
			res.Rejected++
		}
	}
	return res, nil
}

func (in *Ingester) rel(path string) string {
	if in.BaseDir != "" {
		if r, err := filepath.Rel(in.BaseDir, path); err == nil && !filepath.IsAbs(r) && r != "" {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(path)
}

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

// LoadFile loads one file atomically: its rows and its quarantine rows and
// its manifest row commit together or not at all.
func (in *Ingester) LoadFile(ctx context.Context, src *config.Source, path string) (FileResult, error) {
	hash, size, mtime, err := hashFile(path)
	return in.loadHashed(ctx, src, path, hash, size, mtime, err)
}

func (in *Ingester) loadHashed(ctx context.Context, src *config.Source, path, hash string, size int64, mtime time.Time, hashErr error) (FileResult, error) {
	log := in.Log
	if log == nil {
		log = slog.Default()
	}
	name := in.rel(path)
	fr := FileResult{File: name}
	if hashErr != nil {
		fr.Status, fr.Err = StatusRejected, fmt.Errorf("read %q: %w", name, hashErr)
		return fr, nil
	}
	var err error
	fr.LoadID = LoadID(src.Name, hash)

	// Already seen this content?
	var prevStatus, prevFile *string
	err = in.WH.QueryRow(ctx, `SELECT status, file FROM load_files WHERE hash = ? AND status IN ('loaded','duplicate','rejected')
		ORDER BY (file = ?) DESC, CASE status WHEN 'loaded' THEN 0 ELSE 1 END LIMIT 1`, []any{hash, name}, &prevStatus, &prevFile)
	if err != nil && !errors.Is(err, warehouse.ErrNoRows) {
		return fr, fmt.Errorf("read manifest: %w", err)
	}
	if prevStatus != nil {
		switch {
		case *prevStatus == StatusLoaded && *prevFile == name:
			fr.Status = StatusSkipped
			return fr, nil
		case *prevStatus == StatusLoaded || *prevStatus == StatusDuplicate:
			fr.Status = StatusDuplicate
			if *prevStatus == StatusLoaded {
				log.Warn("duplicate file not loaded", "source", src.Name, "file", name, "same_as", *prevFile)
				err := in.WH.Exec(ctx, `INSERT INTO load_files (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime)
					SELECT ?, ?, ?, ?, ?, 'duplicate', 0, 0, 0, ?, ?, now(), ? FROM (SELECT 1) AS one WHERE NOT EXISTS (SELECT 1 FROM load_files WHERE hash = ? AND file = ?)`,
					fr.LoadID, src.Name, name, hash, size, "same content as "+*prevFile, in.RunID, mtime, hash, name)
				if err != nil {
					return fr, fmt.Errorf("record duplicate %q: %w", name, err)
				}
			}
			return fr, nil
		}
		// A rejected file is retried: the mapping may have been fixed.
	}

	rows, quar, loadErr := in.loadContent(ctx, src, path, name, fr.LoadID, hash, size, mtime)
	if loadErr != nil {
		var he *HeaderError
		if errors.As(loadErr, &he) || errors.Is(loadErr, errUnreadable) {
			fr.Status, fr.Err = StatusRejected, loadErr
			log.Error("file rejected", "source", src.Name, "file", name, "error", loadErr)
			_ = in.WH.Exec(ctx, `DELETE FROM load_files WHERE hash = ? AND file = ? AND status = 'rejected'`, hash, name)
			if err := in.WH.Exec(ctx, `INSERT INTO load_files (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime)
				VALUES (?, ?, ?, ?, ?, 'rejected', 0, 0, 0, ?, ?, now(), ?)`, fr.LoadID, src.Name, name, hash, size, loadErr.Error(), in.RunID, mtime); err != nil {
				return fr, fmt.Errorf("record rejected %q: %w", name, err)
			}
			return fr, nil
		}
		return fr, loadErr
	}
	fr.Status = StatusLoaded
	fr.RowsLoaded, fr.RowsQuarantined = rows, quar
	fr.RowsRead = rows + quar
	log.Info("file loaded", "source", src.Name, "file", name, "rows_loaded", rows, "rows_quarantined", quar)
	return fr, nil
}

var errUnreadable = errors.New("unreadable file")

func (in *Ingester) loadContent(ctx context.Context, src *config.Source, path, name, loadID, hash string, size int64, mtime time.Time) (loaded, quarantined int64, err error) {
	opts := source.Options{Encoding: src.Encoding, Sheet: src.Sheet}
	if src.Delimiter != "" {
		opts.Delimiter = []rune(src.Delimiter)[0]
	}
	rd, err := source.Open(src.Format, path, opts)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: open %q as %s: %v", errUnreadable, name, src.Format, err)
	}
	defer rd.Close()
	m, err := NewMapping(src, name, rd.Header())
	if err != nil {
		return 0, 0, err
	}
	mem := in.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	batch := in.BatchRows
	if batch <= 0 {
		batch = 64 * 1024
	}
	raw := m.Table().RawTable()
	err = in.WH.InTx(ctx, func(tx warehouse.Tx) error {
		b := m.NewBuilder(mem, loadID, name)
		defer b.Release()
		q := newQuarantine(mem, loadID, src.Name, name)
		defer q.release()
		flush := func() error {
			rec := b.Flush()
			if rec != nil {
				n, err := tx.Load(ctx, raw, rec)
				rec.Release()
				if err != nil {
					return fmt.Errorf("load %q into %s: %w", name, raw, err)
				}
				loaded += n
				if in.AfterBatch != nil {
					if err := in.AfterBatch(name, loaded); err != nil {
						return err
					}
				}
			}
			if q.n >= batch || rec == nil {
				if err := q.flush(ctx, tx); err != nil {
					return err
				}
			}
			return nil
		}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			row, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%w: read %q after row %d: %v", errUnreadable, name, loaded+quarantined+1, err)
			}
			if p := b.Add(row); p != nil {
				rawText := row.Raw
				if rt, ok := rd.(interface{ RawText() string }); ok && rawText == "" {
					rawText = rt.RawText()
				}
				if rawText == "" {
					rawText = strings.Join(row.Fields, ",")
				}
				q.add(row.Num, p, rawText)
				quarantined++
				continue
			}
			if b.Len() >= batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if err := q.flush(ctx, tx); err != nil {
			return err
		}
		return tx.Exec(ctx, `INSERT INTO load_files (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime)
			VALUES (?, ?, ?, ?, ?, 'loaded', ?, ?, ?, NULL, ?, now(), ?)`,
			loadID, src.Name, name, hash, size, loaded+quarantined, loaded, quarantined, in.RunID, mtime)
	})
	if err != nil {
		return 0, 0, err
	}
	return loaded, quarantined, nil
}

// quarantineBatch accumulates quarantined rows as an Arrow batch.
type quarantineBatch struct {
	rb                   *array.RecordBuilder
	n                    int
	loadID, source, file string
}

var quarantineSchema = arrow.NewSchema([]arrow.Field{
	{Name: "load_id", Type: arrow.BinaryTypes.String},
	{Name: "source", Type: arrow.BinaryTypes.String},
	{Name: "file", Type: arrow.BinaryTypes.String},
	{Name: "row", Type: arrow.PrimitiveTypes.Int64},
	{Name: "column", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "reason", Type: arrow.BinaryTypes.String},
	{Name: "detail", Type: arrow.BinaryTypes.String},
	{Name: "raw", Type: arrow.BinaryTypes.String},
}, nil)

func newQuarantine(mem memory.Allocator, loadID, src, file string) *quarantineBatch {
	return &quarantineBatch{rb: array.NewRecordBuilder(mem, quarantineSchema), loadID: loadID, source: src, file: file}
}

func (q *quarantineBatch) add(row int64, p *Problem, raw string) {
	q.rb.Field(0).(*array.StringBuilder).Append(q.loadID)
	q.rb.Field(1).(*array.StringBuilder).Append(q.source)
	q.rb.Field(2).(*array.StringBuilder).Append(q.file)
	q.rb.Field(3).(*array.Int64Builder).Append(row)
	if p.Column == "" {
		q.rb.Field(4).AppendNull()
	} else {
		q.rb.Field(4).(*array.StringBuilder).Append(p.Column)
	}
	q.rb.Field(5).(*array.StringBuilder).Append(p.Reason)
	q.rb.Field(6).(*array.StringBuilder).Append(p.Detail)
	q.rb.Field(7).(*array.StringBuilder).Append(raw)
	q.n++
}

func (q *quarantineBatch) flush(ctx context.Context, tx warehouse.Tx) error {
	if q.n == 0 {
		return nil
	}
	rec := q.rb.NewRecordBatch()
	defer rec.Release()
	q.n = 0
	if _, err := tx.Load(ctx, "quarantine", rec); err != nil {
		return fmt.Errorf("write quarantine for %q: %w", q.file, err)
	}
	return nil
}

func (q *quarantineBatch) release() { q.rb.Release() }
