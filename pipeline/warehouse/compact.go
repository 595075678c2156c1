package warehouse

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/internal/offheap"
)

// CompactRows is the number of rows of the batches DuckDB query results
// are regrouped into.
const CompactRows = 1 << 16

// compactor regroups the small batches of a DuckDB result (2,048 rows,
// every buffer rounded up to a power of two: a string column's offsets
// take 16 KiB for 8 KiB of values) into batches of up to CompactRows rows
// with exactly sized buffers outside the Go heap (package offheap), on a
// second goroutine while DuckDB converts the next chunks. The small
// batches are released as soon as they are copied, so a large result
// takes about half the memory, and released results go straight back to
// the system. A result that fits in one DuckDB batch is kept as it is.
type compactor struct {
	in   chan []arrow.RecordBatch
	done chan struct{}
	out  []arrow.RecordBatch
	err  error

	pending []arrow.RecordBatch
	rows    int
	sent    bool
}

func newCompactor() *compactor {
	c := &compactor{in: make(chan []arrow.RecordBatch, 2), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for group := range c.in {
			if c.err == nil {
				var rec arrow.RecordBatch
				if rec, c.err = concatBatches(group); c.err == nil {
					c.out = append(c.out, rec)
				}
			}
			for _, r := range group {
				r.Release()
			}
		}
	}()
	return c
}

// add takes a retained batch.
func (c *compactor) add(rec arrow.RecordBatch) {
	c.pending = append(c.pending, rec)
	c.rows += int(rec.NumRows())
	if c.rows >= CompactRows {
		c.in <- c.pending
		c.pending, c.rows, c.sent = nil, 0, true
	}
}

// finish waits for the copies and returns the batches (the caller releases
// them) or the first error (nothing to release then).
func (c *compactor) finish() ([]arrow.RecordBatch, error) {
	if len(c.pending) == 1 && !c.sent {
		// Nothing sent yet and one small batch: no copy.
		close(c.in)
		<-c.done
		if c.err != nil {
			c.pending[0].Release()
			return nil, c.err
		}
		return c.pending, nil
	}
	if len(c.pending) > 0 {
		c.in <- c.pending
		c.pending = nil
	}
	close(c.in)
	<-c.done
	if c.err != nil {
		Release(c.out)
		return nil, c.err
	}
	return c.out, nil
}

// abort drops everything.
func (c *compactor) abort() {
	Release(c.pending)
	c.pending = nil
	close(c.in)
	<-c.done
	Release(c.out)
	c.out = nil
}

// concatBatches copies batches of one schema (at least one) into one batch.
func concatBatches(group []arrow.RecordBatch) (arrow.RecordBatch, error) {
	var rows int64
	for _, r := range group {
		rows += r.NumRows()
	}
	schema := group[0].Schema()
	cols := make([]arrow.Array, 0, schema.NumFields())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	parts := make([]arrow.Array, len(group))
	for i := range schema.NumFields() {
		for j, r := range group {
			parts[j] = r.Column(i)
		}
		c, err := array.Concatenate(parts, offheap.Allocator{})
		if err != nil {
			return nil, fmt.Errorf("regroup result column %s: %w", schema.Field(i).Name, err)
		}
		cols = append(cols, c)
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}
