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
	// BatchRows is the Arrow batch size (default 122880, DuckDB's row group
	// size: DuckDB then writes each batch as a row group while the file's
	// INSERT runs, instead of merging small batches when it finishes).
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

// defaultBatchRows is DuckDB's row group size.
const defaultBatchRows = 122880

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
		batch = defaultBatchRows
	}
	raw := m.Table().RawTable()
	err = in.WH.InTx(ctx, func(tx warehouse.Tx) error {
		// A producer goroutine reads, validates and builds batches while
		// the warehouse loads the previous ones.
		p := &producer{rd: rd, m: m, mem: mem, batch: batch, loadID: loadID, src: src.Name, name: name,
			ch: make(chan item, 1), stop: make(chan struct{})}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.run(ctx)
		}()
		defer func() {
			close(p.stop)
			wg.Wait()
			for it := range p.ch {
				it.release()
			}
		}()
		recv := func() (item, error) {
			select {
			case it, ok := <-p.ch:
				if !ok {
					return item{}, fmt.Errorf("load %q: reader stopped early", name)
				}
				return it, nil
			case <-ctx.Done():
				return item{}, ctx.Err()
			}
		}
		loadReader := func(ctx context.Context, table string, rdr array.RecordReader) (int64, error) {
			return loadEach(ctx, tx, table, rdr)
		}
		if sl, ok := tx.(streamLoader); ok {
			loadReader = sl.LoadReader
		}
		for {
			it, err := recv()
			if err != nil {
				return err
			}
			if it.rec != nil {
				// One INSERT (DuckDB) takes batches until the parser
				// has quarantined rows to write or reaches the end.
				s := &batchStream{schema: it.rec.Schema(), next: it.rec, recv: recv, loaded: loaded, name: name, after: in.AfterBatch}
				n, err := loadReader(ctx, raw, s)
				s.releaseCur()
				if s.err != nil {
					// The producer's or AfterBatch's error, which
					// names the file (DuckDB's only quotes it).
					return s.err
				}
				if err != nil {
					s.stop.release()
					return fmt.Errorf("load %q into %s: %w", name, raw, err)
				}
				if !s.done {
					return fmt.Errorf("load %q into %s: batch stream not read to its end", name, raw)
				}
				loaded += n
				it = s.stop
			}
			if it.err != nil {
				return it.err
			}
			if it.quar != nil {
				quarantined += it.quar.NumRows()
				_, err := tx.Load(ctx, "quarantine", it.quar)
				it.quar.Release()
				if err != nil {
					return fmt.Errorf("write quarantine for %q: %w", name, err)
				}
			}
			if it.eof {
				break
			}
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

// streamLoader is a transaction that appends a stream of batches in one
// statement (DuckDB); other warehouses get one Load per batch (loadEach).
type streamLoader interface {
	LoadReader(ctx context.Context, table string, rdr array.RecordReader) (int64, error)
}

// loadEach appends the batches of rdr to table with one tx.Load each.
func loadEach(ctx context.Context, tx warehouse.Tx, table string, rdr array.RecordReader) (int64, error) {
	var n int64
	for rdr.Next() {
		k, err := tx.Load(ctx, table, rdr.RecordBatch())
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, rdr.Err()
}

// item is what the producer hands the loader, in file order: a batch of
// valid rows, or quarantined rows to write before going on, and/or the end
// of the file, or the error that stopped reading.
type item struct {
	rec  arrow.RecordBatch
	quar arrow.RecordBatch
	eof  bool
	err  error
}

func (it *item) release() {
	if it.rec != nil {
		it.rec.Release()
		it.rec = nil
	}
	if it.quar != nil {
		it.quar.Release()
		it.quar = nil
	}
}

// producer reads one file, validates and maps its rows and sends them as
// batches; quarantined rows are sent (ending the current INSERT) once there
// are batch of them, and at the end.
type producer struct {
	rd        source.Reader
	m         *Mapping
	mem       memory.Allocator
	batch     int
	loadID    string
	src, name string
	ch        chan item
	stop      chan struct{}
}

func (p *producer) send(it item) bool {
	select {
	case p.ch <- it:
		return true
	case <-p.stop:
		it.release()
		return false
	}
}

func (p *producer) run(ctx context.Context) {
	defer close(p.ch)
	b := p.m.NewBuilder(p.mem, p.loadID, p.name)
	defer b.Release()
	q := newQuarantine(p.mem, p.loadID, p.src, p.name)
	defer q.release()
	rt, hasRawText := p.rd.(interface{ RawText() string })
	var seen int64
	// After a full batch, room for the next is made once a row comes
	// (sized after the last batch), not for a batch that never comes.
	reserve := false
	flush := func() bool {
		if b.Len() == 0 {
			return true
		}
		reserve = true
		return p.send(item{rec: b.Flush()})
	}
	for {
		if seen&1023 == 0 {
			if err := ctx.Err(); err != nil {
				p.send(item{err: err})
				return
			}
		}
		row, err := p.rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.send(item{err: fmt.Errorf("%w: read %q after row %d: %v", errUnreadable, p.name, seen+1, err)})
			return
		}
		seen++
		if reserve {
			b.Reserve(p.batch)
			reserve = false
		}
		if pr := b.Add(row); pr != nil {
			rawText := row.Raw
			if hasRawText && rawText == "" {
				rawText = rt.RawText()
			}
			if rawText == "" {
				rawText = strings.Join(row.Fields, ",")
			}
			q.add(row.Num, pr, rawText)
			if q.n >= p.batch {
				if !flush() || !p.send(item{quar: q.take()}) {
					return
				}
			}
			continue
		}
		if b.Len() >= p.batch {
			if !flush() {
				return
			}
		}
	}
	if !flush() {
		return
	}
	p.send(item{quar: q.take(), eof: true})
}

// batchStream is the RecordReader one INSERT consumes: the producer's
// batches up to the next item that is not a plain batch (kept in stop).
// DuckDB calls Next from its threads, one call at a time.
type batchStream struct {
	schema *arrow.Schema
	next   arrow.RecordBatch // first batch, not yet returned
	cur    arrow.RecordBatch
	recv   func() (item, error)
	loaded int64 // rows handed over, for AfterBatch
	name   string
	after  func(file string, rowsLoaded int64) error
	stop   item
	done   bool
	err    error
}

func (s *batchStream) Retain()               {}
func (s *batchStream) Release()              {}
func (s *batchStream) Schema() *arrow.Schema { return s.schema }
func (s *batchStream) Err() error            { return s.err }

func (s *batchStream) RecordBatch() arrow.RecordBatch { return s.cur }

// Record is the deprecated name of RecordBatch.
func (s *batchStream) Record() arrow.RecordBatch { return s.cur }

func (s *batchStream) releaseCur() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.next != nil {
		s.next.Release()
		s.next = nil
	}
}

func (s *batchStream) Next() bool {
	if s.done || s.err != nil {
		return false
	}
	if s.cur != nil {
		// The previous batch has been taken in.
		s.loaded += s.cur.NumRows()
		s.cur.Release()
		s.cur = nil
		if s.after != nil {
			if err := s.after(s.name, s.loaded); err != nil {
				s.err = err
				return false
			}
		}
	}
	if s.next != nil {
		s.cur, s.next = s.next, nil
		return true
	}
	it, err := s.recv()
	if err != nil {
		s.err = err
		return false
	}
	if it.rec != nil && it.quar == nil && !it.eof && it.err == nil {
		s.cur = it.rec
		return true
	}
	if it.err != nil {
		s.err = it.err
		it.release()
		return false
	}
	s.stop = it
	s.done = true
	return false
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

// take returns the pending rows (nil when none).
func (q *quarantineBatch) take() arrow.RecordBatch {
	if q.n == 0 {
		return nil
	}
	q.n = 0
	return q.rb.NewRecordBatch()
}

func (q *quarantineBatch) release() { q.rb.Release() }
