package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The producer/consumer stream of one group's INSERT: a producer reads
// and maps the files' rows into batches, the warehouse pulls them through
// batchStream.

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
