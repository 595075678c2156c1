package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func init() { Register("parquet", openParquet) }

// parquetReader reads a Parquet file through arrow-go's pqarrow and renders
// each cell as text for the common mapping/validation path. Timestamps are
// rendered in RFC 3339, so a source mapping Parquet timestamps should
// include the layout 2006-01-02T15:04:05Z07:00: an instant (TIMESTAMP
// adjusted to UTC) in UTC; a naive TIMESTAMP (isAdjustedToUTC false, a
// local wall-clock time) as that wall-clock time in the source's time zone
// (Options.Location), with its offset there on that date.
type parquetReader struct {
	f      *os.File
	rr     pqarrow.RecordReader
	header []string
	rec    arrow.RecordBatch
	i      int
	n      int64
	row    Row
	loc    *time.Location
}

// errCorruptParquet is returned for a file on which arrow-go's Parquet
// reader panics: it does on some corrupt files (a page of negative length
// makes a slice of out-of-range size; found by FuzzParquet, the input kept
// in testdata/fuzz). The panic is turned into an error so that ingest
// rejects that file alone.
var errCorruptParquet = errors.New("corrupt parquet file")

func corruptParquet(p any) error { return fmt.Errorf("%w: %v", errCorruptParquet, p) }

func openParquet(path string, opts Options) (rd Reader, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			f.Close()
			rd, err = nil, corruptParquet(p)
		}
	}()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 * 1024}, memory.DefaultAllocator)
	if err != nil {
		f.Close()
		return nil, err
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		f.Close()
		return nil, err
	}
	r := &parquetReader{f: f, rr: rr, loc: opts.Location}
	if r.loc == nil {
		r.loc = time.UTC
	}
	for _, fl := range rr.Schema().Fields() {
		r.header = append(r.header, fl.Name)
	}
	return r, nil
}

func (r *parquetReader) Header() []string { return r.header }

func (r *parquetReader) Next() (row *Row, err error) {
	defer func() {
		if p := recover(); p != nil {
			row, err = nil, corruptParquet(p)
		}
	}()
	for r.rec == nil || r.i >= int(r.rec.NumRows()) {
		if r.rec != nil {
			r.rec = nil
		}
		if !r.rr.Next() {
			if err := r.rr.Err(); err != nil && err != io.EOF {
				return nil, err
			}
			return nil, io.EOF
		}
		r.rec = r.rr.RecordBatch()
		r.i = 0
	}
	r.n++
	if cap(r.row.Fields) < len(r.header) {
		r.row.Fields = make([]string, len(r.header))
	}
	fields := r.row.Fields[:len(r.header)]
	for c := range fields {
		fields[c] = cellText(r.rec.Column(c), r.i, r.loc)
	}
	r.row = Row{Num: r.n, Fields: fields}
	r.i++
	return &r.row, nil
}

// cellText renders cell i of a; loc is the zone of naive timestamps.
func cellText(a arrow.Array, i int, loc *time.Location) string {
	if a.IsNull(i) {
		return ""
	}
	switch v := a.(type) {
	case *array.String:
		return v.Value(i)
	case *array.LargeString:
		return v.Value(i)
	case *array.Int64:
		return strconv.FormatInt(v.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(v.Value(i)), 10)
	case *array.Float64:
		return strconv.FormatFloat(v.Value(i), 'f', -1, 64)
	case *array.Float32:
		return strconv.FormatFloat(float64(v.Value(i)), 'f', -1, 32)
	case *array.Timestamp:
		tt := v.DataType().(*arrow.TimestampType)
		t := v.Value(i).ToTime(tt.Unit).UTC()
		if tt.TimeZone == "" {
			// Naive: the UTC fields are the local wall clock.
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		}
		return t.Format(time.RFC3339Nano)
	case *array.Date32:
		return v.Value(i).ToTime().Format("2006-01-02")
	default:
		return a.ValueStr(i)
	}
}

func (r *parquetReader) Close() error {
	r.rr.Release()
	return r.f.Close()
}
