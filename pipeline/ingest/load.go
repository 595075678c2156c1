package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	// StatusUnloaded marks a file taken out by hand (Unload): it is passed
	// over while it keeps its name and content.
	StatusUnloaded = "unloaded"
)

// EnsureTables creates the manifest, quarantine and raw tables, and drops
// from raw tables made by earlier versions the columns they no longer have
// (MigrateLineage).
func EnsureTables(ctx context.Context, wh warehouse.Warehouse) error {
	_, err := PrepareTables(ctx, wh)
	return err
}

// PrepareTables is EnsureTables, reporting whether old lineage columns were
// dropped: views over the raw tables must then be made again (jobs.Prepare
// does).
func PrepareTables(ctx context.Context, wh warehouse.Warehouse) (migrated bool, err error) {
	for _, b := range []struct {
		name   string
		schema *arrow.Schema
	}{{"load_files", LoadFilesSchema}, {"quarantine", QuarantineSchema}} {
		if err := warehouse.CreateTable(ctx, wh, b.name, b.schema); err != nil {
			return false, fmt.Errorf("create %s: %w", b.name, err)
		}
	}
	if err := addManifestColumns(ctx, wh); err != nil {
		return false, err
	}
	if migrated, err = MigrateLineage(ctx, wh); err != nil {
		return false, err
	}
	for _, n := range schema.Names() {
		t, _ := schema.Lookup(n)
		if err := warehouse.CreateTable(ctx, wh, t.RawTable(), RawTableSchema(t)); err != nil {
			return false, fmt.Errorf("create %s: %w", t.RawTable(), err)
		}
	}
	added, err := addNewFields(ctx, wh)
	return migrated || added, err
}

// addNewFields adds schema.AddedFields to raw tables made before them, and
// reports whether it added any (views over the raw tables are then made
// again, as after MigrateLineage).
func addNewFields(ctx context.Context, wh warehouse.Warehouse) (bool, error) {
	added := false
	for table, fields := range schema.AddedFields {
		t, ok := schema.Lookup(table)
		if !ok {
			return false, fmt.Errorf("added fields of unknown table %s", table)
		}
		cols, err := warehouse.TableColumns(ctx, wh, t.RawTable())
		if err != nil {
			return false, fmt.Errorf("look up the columns of %s: %w", t.RawTable(), err)
		}
		for _, name := range fields {
			f, ok := t.Field(name)
			if !ok {
				return false, fmt.Errorf("added field %s.%s is not in the schema", table, name)
			}
			if slices.Contains(cols, name) {
				continue
			}
			if err := wh.Exec(ctx, "ALTER TABLE "+wh.Dialect().Table(t.RawTable())+" ADD COLUMN "+name+" "+schema.SQLType(f.Type)); err != nil {
				return false, fmt.Errorf("add column %s.%s: %w", t.RawTable(), name, err)
			}
			added = true
		}
	}
	return added, nil
}

// MigrateLineage drops the per-row lineage columns earlier versions wrote
// (schema.DroppedLineageColumns, required columns there) from the raw
// tables that still have them, so that their rows match
// Table.LoadedSchema, and reports whether it dropped any. Their rows stay.
// Every raw table is created by the same version, so one lookup (of
// raw_order_lines) tells whether there is anything to do.
func MigrateLineage(ctx context.Context, wh warehouse.Warehouse) (bool, error) {
	probe, _ := schema.Lookup("order_lines")
	old, err := oldLineageColumns(ctx, wh, probe.RawTable())
	if err != nil || len(old) == 0 {
		return false, err
	}
	d := warehouse.SQLOf(wh.Dialect())
	for _, n := range schema.Names() {
		t, _ := schema.Lookup(n)
		if old, err = oldLineageColumns(ctx, wh, t.RawTable()); err != nil {
			return false, err
		}
		for _, c := range old {
			if err := wh.Exec(ctx, "ALTER TABLE "+wh.Dialect().Table(t.RawTable())+" DROP COLUMN "+d.Ident(c)); err != nil {
				return false, fmt.Errorf("drop old lineage column %s.%s: %w", t.RawTable(), c, err)
			}
		}
	}
	return true, nil
}

// oldLineageColumns are the schema.DroppedLineageColumns table still has.
func oldLineageColumns(ctx context.Context, wh warehouse.Warehouse, table string) ([]string, error) {
	cols, err := warehouse.TableColumns(ctx, wh, table)
	if err != nil {
		return nil, fmt.Errorf("look up the columns of %s: %w", table, err)
	}
	var old []string
	for _, c := range schema.DroppedLineageColumns {
		if slices.Contains(cols, c) {
			old = append(old, c)
		}
	}
	return old, nil
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
	// of that file is appended, with the file's rows appended so far; an
	// error aborts the transaction and rolls it back (the other files of a
	// group are then loaded again one by one, see GroupRows). Tests use it
	// to inject a failure half-way through a file.
	AfterBatch func(file string, rowsLoaded int64) error
	// Mem is the Arrow allocator (default memory.DefaultAllocator).
	Mem memory.Allocator
	// Workers bounds the transactions of one source run at once (default
	// GOMAXPROCS). Each worker takes files from a shared queue in name
	// order, parses them and loads them in its own transactions.
	Workers int
	// GroupRows sets how many consecutive files of a source a worker loads
	// in one transaction through one streaming INSERT (a group): the worker
	// adds the next file from the queue while the group's rows read so far
	// are below GroupRows, so a big file still gets a transaction of its
	// own. DuckDB writes compressed row groups directly only within one
	// INSERT that fills them; many INSERTs of less than a row group each
	// leave the rows in the WAL, compressed again at checkpoint, which is
	// more than twice as slow.
	//
	// 0 means 8 batches: 8 × BatchRows, 983,040 rows with the default batch
	// size. A negative value loads each file in its own transaction.
	//
	// Each file is still whole or absent, with its own manifest row: if
	// anything fails in a group, the group is rolled back and each of its
	// files is loaded again in a transaction of its own, so only the bad
	// file is rejected or reported. Warehouses without a streaming loader
	// (BigQuery) load one file per transaction.
	GroupRows int
	// Location is the business time zone, whose today bounds the rows'
	// timestamps (default: the source's zone); Now is the clock (default
	// time.Now).
	Location *time.Location
	Now      func() time.Time
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
// other files still load. Consecutive small files are loaded together in
// one transaction (see GroupRows); each file is still whole or absent. The
// returned error is only for failures of the warehouse itself (and of
// AfterBatch).
func (in *Ingester) IngestSource(ctx context.Context, cfg *config.Config, src *config.Source) (*SourceResult, error) {
	pattern := cfg.Resolve(src.Path)
	files, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("source %s: bad glob %q: %w", src.Name, src.Path, err)
	}
	sort.Strings(files)
	res := &SourceResult{Source: src.Name}
	seq, err := nextLoadSeq(ctx, in.WH)
	if err != nil {
		return nil, err
	}
	// Hash every file first: identical contents in this drop are loaded
	// once (the first in name order), the copies are settled afterwards
	// against the manifest, so concurrent loads can never double a file.
	jobsList := make([]fileJob, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		h, size, mtime, err := hashFile(f)
		jobsList[i] = fileJob{idx: i, seq: seq + int64(i), path: f, hash: h, size: size, mtime: mtime, err: err}
		if err == nil {
			jobsList[i].duplicateOfBatch = seen[h]
			seen[h] = true
		}
	}
	// The load id of every file of the drop, by position: a group's INSERT
	// takes its constant columns for the files it may come to hold from
	// here (see constWindow).
	loadIDs := make([]string, len(jobsList))
	for i, j := range jobsList {
		if j.err == nil {
			loadIDs[i] = LoadID(src.Name, j.hash)
		}
	}
	results := make([]FileResult, len(files))
	errs := make([]error, len(files))
	// The queue of files, in name order, shared by the workers.
	var qmu sync.Mutex
	queued := 0
	// admitNext takes files from the queue until one needs loading and
	// returns it opened and mapped; the files it passes over (skipped,
	// duplicate, rejected) are settled here. Nil when the queue is empty.
	admitNext := func() *groupFile {
		for {
			qmu.Lock()
			for queued < len(jobsList) && jobsList[queued].duplicateOfBatch {
				queued++
			}
			if queued == len(jobsList) {
				qmu.Unlock()
				return nil
			}
			j := jobsList[queued]
			queued++
			qmu.Unlock()
			if err := ctx.Err(); err != nil {
				errs[j.idx] = err
				continue
			}
			f, fr, err := in.admit(ctx, src, j)
			if f != nil {
				return f
			}
			results[j.idx], errs[j.idx] = fr, err
		}
	}
	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobsList))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := admitNext(); f != nil; f = admitNext() {
				in.loadGroupOf(ctx, src, f, admitNext, loadIDs, results, errs)
			}
		}()
	}
	wg.Wait()
	for i, j := range jobsList {
		if !j.duplicateOfBatch {
			continue
		}
		results[i], errs[i] = in.loadHashed(ctx, src, j)
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

// fileJob is a file of a source's drop, hashed.
type fileJob struct {
	idx              int   // in the drop, in name order
	seq              int64 // its load_seq
	path             string
	hash             string
	size             int64
	mtime            time.Time
	err              error // from hashing
	duplicateOfBatch bool  // same content as a file before it in the drop
}

// loadGroupOf loads first and the files next hands out as one group and
// settles each file's result (results and errs are indexed by file, as
// loadIDs). If the group fails, each of its files is loaded again on its
// own.
func (in *Ingester) loadGroupOf(ctx context.Context, src *config.Source, first *groupFile, next func() *groupFile, loadIDs []string, results []FileResult, errs []error) {
	files, err := in.loadGroup(ctx, src, first, next, in.groupTarget(), loadIDs)
	if err == nil || len(files) == 1 {
		for _, f := range files {
			results[f.idx], errs[f.idx] = in.settle(ctx, src, f, err)
		}
		return
	}
	if ctx.Err() == nil {
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = f.name
		}
		in.logger().Warn("group load failed: loading its files one by one", "source", src.Name, "files", names, "error", err)
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			errs[f.idx] = err
			continue
		}
		results[f.idx], errs[f.idx] = in.loadHashed(ctx, src, fileJob{idx: f.idx, seq: f.seq, path: f.path, hash: f.hash, size: f.size, mtime: f.mtime})
	}
}

// groupTarget is the rows from which a group takes no further file (0: one
// file per transaction).
func (in *Ingester) groupTarget() int64 {
	switch {
	case in.GroupRows < 0:
		return 0
	case in.GroupRows > 0:
		return int64(in.GroupRows)
	}
	return defaultGroupBatches * int64(in.batchRows())
}

// defaultGroupBatches is the default group size, in batches.
const defaultGroupBatches = 8

func (in *Ingester) batchRows() int {
	if in.BatchRows > 0 {
		return in.BatchRows
	}
	return defaultBatchRows
}

func (in *Ingester) logger() *slog.Logger {
	if in.Log != nil {
		return in.Log
	}
	return slog.Default()
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
	seq, serr := nextLoadSeq(ctx, in.WH)
	if serr != nil {
		return FileResult{File: in.rel(path)}, serr
	}
	return in.loadHashed(ctx, src, fileJob{seq: seq, path: path, hash: hash, size: size, mtime: mtime, err: err})
}

// loadHashed loads one file in a transaction of its own.
func (in *Ingester) loadHashed(ctx context.Context, src *config.Source, j fileJob) (FileResult, error) {
	f, fr, err := in.admit(ctx, src, j)
	if f == nil {
		return fr, err
	}
	_, err = in.loadGroup(ctx, src, f, nil, 0, nil)
	return in.settle(ctx, src, f, err)
}

// groupFile is a file admitted to a group: checked against the manifest,
// opened and mapped. The counts are those of the group's transaction.
type groupFile struct {
	idx        int
	seq        int64
	path, name string
	hash       string
	loadID     string
	cfgHash    string
	// replaces is set when the manifest holds an earlier rejection of the
	// file (or, from older versions, a load of it whose every row was
	// quarantined): its manifest and quarantine rows are replaced in the
	// file's transaction.
	replaces bool
	replaced bool // done, in the group's transaction (replaceEarlier)
	// firstProblem is the reason of its first quarantined row.
	firstProblem string
	size         int64
	mtime        time.Time
	rd           source.Reader
	m            *Mapping
	loaded       int64
	quarantined  int64
	ended        bool // its producer reached the end of the file
}

func (f *groupFile) close() {
	if f.rd != nil {
		f.rd.Close()
		f.rd = nil
	}
}

// admit checks a file against the manifest, then opens it and maps its
// header. It returns the file ready to load, or nil and the file's result
// when it needs no load (skipped, duplicate) or cannot be opened or mapped
// (rejected, and recorded so). The error is for warehouse failures.
func (in *Ingester) admit(ctx context.Context, src *config.Source, j fileJob) (*groupFile, FileResult, error) {
	name := in.rel(j.path)
	fr := FileResult{File: name}
	if j.err != nil {
		fr.Status, fr.Err = StatusRejected, fmt.Errorf("read %q: %w", name, j.err)
		return nil, fr, nil
	}
	fr.LoadID = LoadID(src.Name, j.hash)

	cfgHash := ConfigHash(src)
	replaces := false

	// Already seen this content? A load whose every row was quarantined
	// counts as a rejection (older versions recorded it as loaded).
	var prevStatus, prevFile, prevCfg, prevErr *string
	var prevLoaded, prevQuar *int64
	err := in.WH.QueryRow(ctx, `SELECT status, file, config_hash, error, rows_loaded, rows_quarantined FROM load_files WHERE hash = ? AND status IN ('loaded','duplicate','rejected','unloaded')
		ORDER BY (file = ?) DESC, CASE status WHEN 'loaded' THEN 0 WHEN 'unloaded' THEN 2 ELSE 1 END LIMIT 1`, []any{j.hash, name}, &prevStatus, &prevFile, &prevCfg, &prevErr, &prevLoaded, &prevQuar)
	if err != nil && !errors.Is(err, warehouse.ErrNoRows) {
		return nil, fr, fmt.Errorf("read manifest for %q: %w", name, err)
	}
	if prevStatus != nil && *prevStatus == StatusLoaded && *prevFile == name && prevLoaded != nil && *prevLoaded == 0 && prevQuar != nil && *prevQuar > 0 {
		s := StatusRejected
		prevStatus = &s
	}
	if prevStatus != nil && *prevStatus == StatusUnloaded {
		if *prevFile == name {
			fr.Status = StatusUnloaded
			return nil, fr, nil
		}
		prevStatus = nil // unloaded under another name: this copy loads
	}
	if prevStatus != nil {
		switch {
		case *prevStatus == StatusLoaded && *prevFile == name:
			fr.Status = StatusSkipped
			return nil, fr, nil
		case *prevStatus == StatusLoaded || *prevStatus == StatusDuplicate:
			fr.Status = StatusDuplicate
			if *prevStatus == StatusLoaded {
				in.logger().Warn("duplicate file not loaded", "source", src.Name, "file", name, "same_as", *prevFile)
				err := in.WH.Exec(ctx, `INSERT INTO load_files (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime, config_hash, load_seq)
					SELECT ?, ?, ?, ?, ?, 'duplicate', 0, 0, 0, ?, ?, now(), ?, ?, ? FROM (SELECT 1) AS one WHERE NOT EXISTS (SELECT 1 FROM load_files WHERE hash = ? AND file = ?)`,
					fr.LoadID, src.Name, name, j.hash, j.size, "same content as "+*prevFile, in.RunID, j.mtime, cfgHash, j.seq, j.hash, name)
				if err != nil {
					return nil, fr, fmt.Errorf("record duplicate %q: %w", name, err)
				}
			}
			return nil, fr, nil
		case *prevFile == name && prevCfg != nil && *prevCfg == cfgHash:
			// Rejected with the same config: reading it again would
			// reject it again. A changed config (ConfigHash) or
			// `crmkit reload` makes it eligible.
			fr.Status = StatusRejected
			msg := "rejected before with the same source config"
			if prevErr != nil {
				msg += ": " + *prevErr
			}
			fr.Err = errors.New(msg)
			return nil, fr, nil
		}
		// Rejected under another config, or under another name: read
		// again (the mapping may have been fixed).
		replaces = *prevFile == name
	}

	f := &groupFile{idx: j.idx, seq: j.seq, path: j.path, name: name, hash: j.hash, loadID: fr.LoadID, cfgHash: cfgHash, replaces: replaces, size: j.size, mtime: j.mtime}
	rd, err := source.Open(src.Format, j.path, SourceOptions(src))
	if err != nil {
		fr, err := in.settle(ctx, src, f, fmt.Errorf("%w: open %q as %s: %v", errUnreadable, name, src.Format, err))
		return nil, fr, err
	}
	m, err := NewMapping(src, name, rd.Header())
	if err != nil {
		rd.Close()
		fr, err := in.settle(ctx, src, f, err)
		return nil, fr, err
	}
	m.SetTimeRange(in.validRange(src))
	f.rd, f.m = rd, m
	return f, fr, nil
}

// settle makes a file's result from the outcome of its load: loaded, or
// rejected (and recorded so) when the file could not be read or mapped.
// Other errors are returned.
func (in *Ingester) settle(ctx context.Context, src *config.Source, f *groupFile, loadErr error) (FileResult, error) {
	fr := FileResult{File: f.name, LoadID: f.loadID}
	if loadErr == nil {
		fr.Status = StatusLoaded
		fr.RowsLoaded, fr.RowsQuarantined = f.loaded, f.quarantined
		fr.RowsRead = f.loaded + f.quarantined
		if f.allQuarantined() {
			// Recorded so by loadGroup, with its quarantined rows.
			fr.Status, fr.Err = StatusRejected, f.allQuarantinedErr()
			in.logger().Error("file rejected", "source", src.Name, "file", f.name, "rows_quarantined", f.quarantined, "error", fr.Err)
			return fr, nil
		}
		in.logger().Info("file loaded", "source", src.Name, "file", f.name, "rows_loaded", f.loaded, "rows_quarantined", f.quarantined)
		return fr, nil
	}
	var he *HeaderError
	if !errors.As(loadErr, &he) && !errors.Is(loadErr, errUnreadable) {
		return fr, loadErr
	}
	fr.Status, fr.Err = StatusRejected, loadErr
	in.logger().Error("file rejected", "source", src.Name, "file", f.name, "error", loadErr)
	record := func(q warehouse.Querier) error {
		return q.Exec(ctx, `INSERT INTO load_files (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime, config_hash, load_seq)
			VALUES (?, ?, ?, ?, ?, 'rejected', 0, 0, 0, ?, ?, now(), ?, ?, ?)`, f.loadID, src.Name, f.name, f.hash, f.size, loadErr.Error(), in.RunID, f.mtime, f.cfgHash, f.seq)
	}
	var err error
	if f.replaces {
		f.replaced = false // the load's transaction, if any, rolled back
		err = in.WH.InTx(ctx, func(tx warehouse.Tx) error {
			if err := replaceEarlier(ctx, tx, f); err != nil {
				return err
			}
			return record(tx)
		})
	} else {
		err = record(in.WH)
	}
	if err != nil {
		return fr, fmt.Errorf("record rejected %q: %w", f.name, err)
	}
	return fr, nil
}

var errUnreadable = errors.New("unreadable file")

// replaceEarlier removes, in tx, what the manifest and the quarantine hold
// of an earlier rejection of f (groupFile.replaces), once, before the
// first quarantined row of f is written in tx.
func replaceEarlier(ctx context.Context, tx warehouse.Tx, f *groupFile) error {
	if !f.replaces || f.replaced {
		return nil
	}
	f.replaced = true
	if err := tx.Exec(ctx, `DELETE FROM quarantine WHERE load_id = ? AND file = ?`, f.loadID, f.name); err != nil {
		return fmt.Errorf("remove earlier quarantined rows of %q: %w", f.name, err)
	}
	if err := tx.Exec(ctx, `DELETE FROM load_files WHERE hash = ? AND file = ? AND (status = 'rejected' OR (status = 'loaded' AND rows_loaded = 0))`, f.hash, f.name); err != nil {
		return fmt.Errorf("remove earlier manifest row of %q: %w", f.name, err)
	}
	return nil
}

// allQuarantined reports a file of rows none of which could be loaded: it
// is recorded rejected, its rows kept in quarantine.
func (f *groupFile) allQuarantined() bool { return f.loaded == 0 && f.quarantined > 0 }

func (f *groupFile) allQuarantinedErr() error {
	return fmt.Errorf("file %q: every row (%d) was quarantined, the first as %s", f.name, f.quarantined, f.firstProblem)
}

// defaultBatchRows is DuckDB's row group size.
const defaultBatchRows = 122880

// loadGroup loads first and then, while the group's rows read stay below
// target, the files next hands out, in one transaction: the rows of all
// of them go through one streaming INSERT (a new one starts only when
// quarantined rows pile up or the batch schema changes), then each file's
// manifest row is written. It returns the files of the group (each one's
// counts set when err is nil) and closes their readers. With a nil next, a
// target of 0 or a warehouse without a streaming loader, the group is
// first alone. On DuckDB (a constLoader) the batches leave out the columns
// that are the same on every row of a file (_load_id, channel) and each
// INSERT fills them from SQL constants: loadIDs
// (indexed by groupFile.idx, may be nil) names the files the group may
// come to hold, so that the INSERT knows them when it starts (window).
func (in *Ingester) loadGroup(ctx context.Context, src *config.Source, first *groupFile, next func() *groupFile, target int64, loadIDs []string) (files []*groupFile, err error) {
	var fmu sync.Mutex // guards files while the feeder may add to it
	files = []*groupFile{first}
	defer func() {
		for _, f := range files {
			f.close()
		}
	}()
	mem := in.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	batch := in.batchRows()
	raw := first.m.Table().RawTable()
	err = in.WH.InTx(ctx, func(tx warehouse.Tx) error {
		loadReader := func(ctx context.Context, table string, s *batchStream) (int64, error) {
			return loadEach(ctx, tx, table, s)
		}
		grow, rowsOnly := false, false
		if cl, ok := tx.(constLoader); ok {
			// The batches carry _row and the canonical fields only; the
			// INSERT fills the per-file constants (constWindow).
			loadReader = func(ctx context.Context, table string, s *batchStream) (int64, error) {
				return cl.LoadReaderConst(ctx, table, s, fileChoiceColumn, s.win.columns(first.m)...)
			}
			grow, rowsOnly = next != nil && target > 0, true
		} else if sl, ok := tx.(streamLoader); ok {
			loadReader = func(ctx context.Context, table string, s *batchStream) (int64, error) {
				return sl.LoadReader(ctx, table, s)
			}
			grow = next != nil && target > 0
		}
		// A feeder goroutine reads, validates and builds the batches of
		// the group's files, one file after the other, while the
		// warehouse loads the previous ones.
		ch := make(chan item, 1)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(ch)
			var rows int64
			for f := first; ; {
				p := &producer{f: f, mem: mem, batch: batch, src: src.Name, rowsOnly: rowsOnly, ch: ch, stop: stop}
				n, ok := p.run(ctx)
				f.close()
				rows += n
				if !ok || !grow || rows >= target {
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				if f = next(); f == nil {
					return
				}
				fmu.Lock()
				files = append(files, f)
				fmu.Unlock()
			}
		}()
		defer func() {
			close(stop)
			wg.Wait()
			for it := range ch {
				it.release()
			}
		}()
		recv := func() (item, bool, error) {
			select {
			case it, ok := <-ch:
				return it, ok, nil
			case <-ctx.Done():
				return item{}, false, ctx.Err()
			}
		}
		q := &pendingQuarantine{limit: int64(batch)}
		defer q.release()
		it, more, err := recv()
		for {
			if err != nil {
				return err
			}
			if !more {
				break
			}
			if it.rec == nil {
				if err := q.absorb(it); err != nil {
					return err
				}
			} else {
				// One INSERT takes the batches of the group's files
				// until the end of the group, a pile of quarantined
				// rows to write, a batch of another schema or one of a
				// file outside its window.
				s := &batchStream{schema: it.rec.Schema(), in: it.rec.Schema(), next: it, recv: recv, q: q, after: in.AfterBatch, mem: mem}
				if rowsOnly {
					s.win = constWindow(it.f, loadIDs, grow)
					s.schema = s.win.schema(s.in)
				}
				n, err := loadReader(ctx, raw, s)
				s.releaseCur()
				if s.err != nil {
					// The producer's or AfterBatch's error, which
					// names the file (DuckDB's only quotes it).
					s.stop.release()
					return s.err
				}
				if err != nil {
					s.stop.release()
					return fmt.Errorf("load %q into %s: %w", s.lastFile(), raw, err)
				}
				if !s.done {
					s.stop.release()
					return fmt.Errorf("load %q into %s: batch stream not read to its end", s.lastFile(), raw)
				}
				if n != s.rows {
					s.stop.release()
					return fmt.Errorf("load %q into %s: %d rows inserted of %d sent", s.lastFile(), raw, n, s.rows)
				}
				if s.stop.rec != nil {
					if err := q.write(ctx, tx); err != nil {
						s.stop.release()
						return err
					}
					it = s.stop
					continue
				}
				if !s.more {
					break
				}
			}
			if q.rows >= q.limit {
				if err := q.write(ctx, tx); err != nil {
					return err
				}
			}
			it, more, err = recv()
		}
		wg.Wait() // the feeder is done: files is complete
		if err := q.write(ctx, tx); err != nil {
			return err
		}
		for _, f := range files {
			if !f.ended {
				return fmt.Errorf("load %q: reader stopped early", f.name)
			}
			if err := replaceEarlier(ctx, tx, f); err != nil {
				return err
			}
			status, msg := StatusLoaded, (*string)(nil)
			if f.allQuarantined() {
				status, msg = StatusRejected, new(string)
				*msg = f.allQuarantinedErr().Error()
			}
			if err := tx.Exec(ctx, `INSERT INTO load_files (load_id, source, file, hash, bytes, status, rows_read, rows_loaded, rows_quarantined, error, run_id, loaded_at, file_mtime, config_hash, load_seq)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?)`,
				f.loadID, src.Name, f.name, f.hash, f.size, status, f.loaded+f.quarantined, f.loaded, f.quarantined, msg, in.RunID, f.mtime, f.cfgHash, f.seq); err != nil {
				return fmt.Errorf("record loaded %q: %w", f.name, err)
			}
		}
		return nil
	})
	fmu.Lock()
	defer fmu.Unlock()
	return files, err
}

// pendingQuarantine holds the quarantined rows received while an INSERT
// runs, to be written once it ends.
type pendingQuarantine struct {
	recs  []pendingQuar
	rows  int64
	limit int64 // rows from which the running INSERT ends to write them
}

type pendingQuar struct {
	f   *groupFile
	rec arrow.RecordBatch
}

// absorb takes in an item that is not a batch: it counts and keeps the
// quarantined rows, marks the end of the file, or returns the error that
// stopped reading it.
func (q *pendingQuarantine) absorb(it item) error {
	if it.err != nil {
		it.release()
		return it.err
	}
	if it.quar != nil {
		n := it.quar.NumRows()
		it.f.quarantined += n
		q.rows += n
		q.recs = append(q.recs, pendingQuar{f: it.f, rec: it.quar})
	}
	if it.eof {
		it.f.ended = true
	}
	return nil
}

// write appends the pending quarantined rows to the quarantine table.
func (q *pendingQuarantine) write(ctx context.Context, tx warehouse.Tx) error {
	for len(q.recs) > 0 {
		p := q.recs[0]
		q.recs = q.recs[1:]
		if err := replaceEarlier(ctx, tx, p.f); err != nil {
			p.rec.Release()
			return err
		}
		_, err := tx.Load(ctx, "quarantine", p.rec)
		p.rec.Release()
		if err != nil {
			return fmt.Errorf("write quarantine for %q: %w", p.f.name, err)
		}
	}
	q.recs, q.rows = nil, 0
	return nil
}

func (q *pendingQuarantine) release() {
	for _, p := range q.recs {
		p.rec.Release()
	}
	q.recs, q.rows = nil, 0
}

// streamLoader is a transaction that appends a stream of batches in one
// statement (DuckDB); other warehouses get one Load per batch (loadEach).
type streamLoader interface {
	LoadReader(ctx context.Context, table string, rdr array.RecordReader) (int64, error)
}

// constLoader is a streaming loader that fills the columns constant per
// file from SQL constants (DuckDB's LoadReaderConst): the batches then
// leave them out (Mapping.NewRowBuilder).
type constLoader interface {
	LoadReaderConst(ctx context.Context, table string, rdr array.RecordReader, choice string, cols ...warehouse.ColumnValues) (int64, error)
}

// maxWindow bounds the files one INSERT can take rows of: its constant
// columns are list literals of that many entries, indexed per row by
// fileChoiceColumn (an int16). A variable for tests.
var maxWindow = 256

// fileChoiceColumn is the column a batchStream adds to each batch when its
// INSERT may take several files: the position of the batch's file in the
// window. It is not a column of the raw table.
const fileChoiceColumn = "__crmkit_file"

// window is the files one INSERT may take rows of, from the file of its
// first batch on: the load ids of the next files of the drop in name order
// (a group takes its files from the queue in that order, skipping the
// files other workers or checks take), so it is known when the INSERT
// starts, while the group only admits its next file once the previous one
// is read. A file outside it ends the INSERT and the group goes on with
// another.
type window struct {
	base    int      // position in the drop of loadIDs[0]
	loadIDs []string // of the files it may take, in order
}

// constWindow is the window of an INSERT whose first batch is of file f:
// the files of loadIDs from f on when the group may grow, else f alone.
func constWindow(f *groupFile, loadIDs []string, grow bool) window {
	if grow && f.idx >= 0 && f.idx < len(loadIDs) && loadIDs[f.idx] == f.loadID {
		n := min(maxWindow, math.MaxInt16+1) // positions fit the int16 choice column
		return window{base: f.idx, loadIDs: loadIDs[f.idx:min(len(loadIDs), f.idx+n)]}
	}
	return window{base: f.idx, loadIDs: []string{f.loadID}}
}

// pos is f's position in the window, or -1 when the INSERT cannot take it.
func (w window) pos(f *groupFile) int {
	k := f.idx - w.base
	if k < 0 || k >= len(w.loadIDs) || w.loadIDs[k] != f.loadID {
		return -1
	}
	return k
}

// schema is the schema of the batches handed to the INSERT, given the
// builders' in: with the choice column when the window has several files.
func (w window) schema(in *arrow.Schema) *arrow.Schema {
	if len(w.loadIDs) < 2 {
		return in
	}
	fs := append(slices.Clone(in.Fields()), arrow.Field{Name: fileChoiceColumn, Type: arrow.PrimitiveTypes.Int16})
	return arrow.NewSchema(fs, nil)
}

// columns are the constant columns of the window's INSERT (m is the
// mapping of one of its files: the source and table are the group's).
func (w window) columns(m *Mapping) []warehouse.ColumnValues {
	return m.ConstColumns(w.loadIDs)
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

// item is what a producer hands the loader, in file order: a batch of
// valid rows, or quarantined rows, and/or the end of the file, or the
// error that stopped reading. f is the file it comes from.
type item struct {
	f    *groupFile
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
// batches; quarantined rows are sent once there are batch of them, and at
// the end.
type producer struct {
	f        *groupFile
	mem      memory.Allocator
	batch    int
	src      string
	rowsOnly bool // batches without the per-file constant columns
	ch       chan<- item
	stop     <-chan struct{}
}

func (p *producer) send(it item) bool {
	it.f = p.f
	select {
	case p.ch <- it:
		return true
	case <-p.stop:
		it.release()
		return false
	}
}

// run sends the file's items and returns the rows read and whether it sent
// the end of the file.
func (p *producer) run(ctx context.Context) (seen int64, ended bool) {
	var b *Builder
	if p.rowsOnly {
		b = p.f.m.NewRowBuilder(p.mem)
	} else {
		b = p.f.m.NewBuilder(p.mem, p.f.loadID)
	}
	defer b.Release()
	q := newQuarantine(p.mem, p.f.loadID, p.src, p.f.name)
	defer q.release()
	rt, hasRawText := p.f.rd.(interface{ RawText() string })
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
				return seen, false
			}
		}
		row, err := p.f.rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.send(item{err: fmt.Errorf("%w: read %q after row %d: %v", errUnreadable, p.f.name, seen+1, err)})
			return seen, false
		}
		seen++
		if reserve {
			b.Reserve(p.batch)
			reserve = false
		}
		if pr := b.Add(row); pr != nil {
			if pr.Reason == ReasonBadEncoding {
				// Text in another encoding than the source's: the
				// whole file is, and its strings cannot be stored.
				p.send(item{err: fmt.Errorf("%w: %q row %d: %s", errUnreadable, p.f.name, row.Num, pr.Detail)})
				return seen, false
			}
			if p.f.firstProblem == "" {
				p.f.firstProblem = pr.Reason
				if pr.Column != "" {
					p.f.firstProblem += " (" + pr.Column + ")"
				}
			}
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
					return seen, false
				}
			}
			continue
		}
		if b.Len() >= p.batch {
			if !flush() {
				return seen, false
			}
		}
	}
	if !flush() {
		return seen, false
	}
	return seen, p.send(item{quar: q.take(), eof: true})
}

// batchStream is the RecordReader one INSERT consumes: the batches of the
// group's files, one file after the other, up to the end of the group, a
// pile of quarantined rows to write, or a batch of another schema or of a
// file outside the window (kept in stop). It counts each file's rows as
// they are taken in. DuckDB calls Next from its threads, one call at a
// time.
type batchStream struct {
	schema *arrow.Schema // of the batches handed over
	in     *arrow.Schema // of the builders' batches
	// win, when set (a constLoader), is the files whose batches the INSERT
	// takes; with several, each batch gets the choice column.
	win   window
	mem   memory.Allocator
	next  item // first batch, not yet returned
	cur   arrow.RecordBatch
	curF  *groupFile
	recv  func() (item, bool, error)
	q     *pendingQuarantine
	after func(file string, rowsLoaded int64) error
	rows  int64 // rows taken in
	stop  item  // a batch for the next INSERT
	more  bool  // the group goes on after this INSERT
	done  bool
	err   error
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
	s.next.release()
}

// lastFile names the file of the last batch handed over.
func (s *batchStream) lastFile() string {
	switch {
	case s.curF != nil:
		return s.curF.name
	case s.next.f != nil:
		return s.next.f.name
	}
	return ""
}

func (s *batchStream) Next() bool {
	if s.done || s.err != nil {
		return false
	}
	if s.cur != nil {
		// The previous batch has been taken in.
		n := s.cur.NumRows()
		s.rows += n
		s.curF.loaded += n
		s.cur.Release()
		s.cur = nil
		if s.after != nil {
			if err := s.after(s.curF.name, s.curF.loaded); err != nil {
				s.err = err
				return false
			}
		}
	}
	if s.next.rec != nil {
		it := s.next
		s.next = item{}
		s.take(it)
		return true
	}
	for {
		it, more, err := s.recv()
		if err != nil {
			s.err = err
			return false
		}
		if !more {
			s.done = true
			return false
		}
		if it.rec != nil {
			if !it.rec.Schema().Equal(s.in) || (s.win.loadIDs != nil && s.win.pos(it.f) < 0) {
				s.stop, s.more, s.done = it, true, true
				return false
			}
			s.take(it)
			return true
		}
		if err := s.q.absorb(it); err != nil {
			s.err = err
			return false
		}
		if s.q.rows >= s.q.limit {
			s.more, s.done = true, true
			return false
		}
	}
}

// take makes the batch of it the current one, with the choice column (the
// position of its file in the window) when the window has several files.
func (s *batchStream) take(it item) {
	s.curF = it.f
	if len(s.win.loadIDs) < 2 {
		s.cur = it.rec
		return
	}
	n := int(it.rec.NumRows())
	b := array.NewInt16Builder(s.mem)
	b.Reserve(n)
	k := int16(s.win.pos(it.f))
	for range n {
		b.UnsafeAppend(k)
	}
	choice := b.NewArray()
	b.Release()
	cols := append(slices.Clone(it.rec.Columns()), choice)
	s.cur = array.NewRecordBatch(s.schema, cols, int64(n))
	choice.Release()
	it.rec.Release()
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
