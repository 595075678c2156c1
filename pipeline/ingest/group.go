package ingest

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

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
			if err := tx.Exec(ctx, stmt(in.WH.Dialect(), "record_loaded", nil),
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
