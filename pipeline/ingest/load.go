package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

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
	// Hashed counts the files read to hash their content; the others the
	// manifest knew by name, size and modification time.
	Hashed int
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
	// A file the manifest knows by name, size and modification time is
	// not read again (known.go).
	known, err := readKnownFiles(ctx, in.WH)
	if err != nil {
		return nil, err
	}
	jobsList := make([]fileJob, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		h, size, mtime, hashed, err := in.hashOrKnown(known, src.Name, f)
		jobsList[i] = fileJob{idx: i, seq: seq + int64(i), path: f, hash: h, size: size, mtime: mtime, err: err}
		if hashed {
			res.Hashed++
		}
		if err == nil {
			jobsList[i].duplicateOfBatch = seen[h]
			jobsList[i].loadedBefore = known.loadedBefore(in.rel(f), h)
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
	// loadedBefore: the manifest read when the drop started settles the
	// file as loaded under its name (knownFiles.loadedBefore).
	loadedBefore bool
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
