package jobs

import (
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func str(rec arrow.RecordBatch, col, i int) string {
	c := rec.Column(col)
	if c.IsNull(i) {
		return ""
	}
	switch a := c.(type) {
	case *array.String:
		return strings.Clone(a.Value(i)) // stays valid after release
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	default:
		return strings.Clone(c.ValueStr(i))
	}
}

func i64(rec arrow.RecordBatch, col, i int) int64 {
	c := rec.Column(col)
	if c.IsNull(i) {
		return 0
	}
	switch a := c.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Float64:
		return int64(a.Value(i))
	}
	return 0
}

func ts(rec arrow.RecordBatch, col, i int) time.Time {
	c := rec.Column(col)
	if c.IsNull(i) {
		return time.Time{}
	}
	if a, ok := c.(*array.Timestamp); ok {
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit)
	}
	return time.Time{}
}

func release(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}
