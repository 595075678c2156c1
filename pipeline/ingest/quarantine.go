package ingest

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

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

// quarantineBatch accumulates quarantined rows as an Arrow batch of
// QuarantineSchema, the table's own schema.
type quarantineBatch struct {
	rb                   *array.RecordBuilder
	n                    int
	loadID, source, file string
}

func newQuarantine(mem memory.Allocator, loadID, src, file string) *quarantineBatch {
	return &quarantineBatch{rb: array.NewRecordBuilder(mem, QuarantineSchema), loadID: loadID, source: src, file: file}
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
