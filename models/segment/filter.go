package segment

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Filter returns a new record batch with the rows of rec selected by bm, in
// their original order; the caller releases it. bm must cover exactly
// rec.NumRows() rows.
func Filter(rec arrow.RecordBatch, bm Bitmap) (arrow.RecordBatch, error) {
	if rec == nil {
		return nil, fmt.Errorf("segment: filter on a nil record batch")
	}
	if int64(bm.Len()) != rec.NumRows() {
		return nil, fmt.Errorf("segment: filter bitmap covers %d rows, record batch has %d", bm.Len(), rec.NumRows())
	}
	if bm.Count() == bm.Len() {
		rec.Retain()
		return rec, nil
	}
	data := array.NewData(arrow.FixedWidthTypes.Boolean, bm.Len(),
		[]*memory.Buffer{nil, memory.NewBufferBytes(bm.Bytes())}, nil, 0, 0)
	defer data.Release()
	mask := array.NewBooleanData(data)
	defer mask.Release()
	out, err := compute.FilterRecordBatch(context.Background(), rec, mask, compute.DefaultFilterOptions())
	if err != nil {
		return nil, fmt.Errorf("segment: filter: %w", err)
	}
	return out, nil
}
