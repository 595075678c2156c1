package identity

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// noTS marks a record or identifier without a timestamp.
const noTS = math.MinInt64

// strCol reads a string column without allocating: values are unsafe views
// of the Arrow buffers and are only valid while the batch is alive. A nil
// *strCol (missing column) reads as all-null.
type strCol struct {
	s    *array.String
	ls   *array.LargeString
	sv   *array.StringView
	bin  *array.Binary
	dict *array.Dictionary
	dv   *strCol // dictionary values
}

func newStrCol(a arrow.Array) (*strCol, error) {
	switch c := a.(type) {
	case *array.String:
		return &strCol{s: c}, nil
	case *array.LargeString:
		return &strCol{ls: c}, nil
	case *array.StringView:
		return &strCol{sv: c}, nil
	case *array.Binary:
		return &strCol{bin: c}, nil
	case *array.Dictionary:
		dv, err := newStrCol(c.Dictionary())
		if err != nil {
			return nil, err
		}
		return &strCol{dict: c, dv: dv}, nil
	case *array.Null:
		return nil, nil
	}
	return nil, fmt.Errorf("type %s is not a string type", a.DataType())
}

// get returns the value at i and whether it is non-null.
func (c *strCol) get(i int) (string, bool) {
	if c == nil {
		return "", false
	}
	switch {
	case c.s != nil:
		if c.s.IsNull(i) {
			return "", false
		}
		return c.s.Value(i), true
	case c.ls != nil:
		if c.ls.IsNull(i) {
			return "", false
		}
		return c.ls.Value(i), true
	case c.sv != nil:
		if c.sv.IsNull(i) {
			return "", false
		}
		return c.sv.Value(i), true
	case c.bin != nil:
		if c.bin.IsNull(i) {
			return "", false
		}
		return c.bin.ValueString(i), true
	default:
		if c.dict.IsNull(i) {
			return "", false
		}
		return c.dv.get(c.dict.GetValueIndex(i))
	}
}

// tsCol reads a timestamp column as UTC microseconds.
type tsCol struct {
	ts  *array.Timestamp
	i64 *array.Int64
	mul int64 // multiply raw by mul
	div int64 // then divide by div
}

func newTSCol(a arrow.Array) (*tsCol, error) {
	switch c := a.(type) {
	case *array.Timestamp:
		t := &tsCol{ts: c, mul: 1, div: 1}
		switch c.DataType().(*arrow.TimestampType).Unit {
		case arrow.Second:
			t.mul = 1_000_000
		case arrow.Millisecond:
			t.mul = 1_000
		case arrow.Nanosecond:
			t.div = 1_000
		}
		return t, nil
	case *array.Int64:
		return &tsCol{i64: c, mul: 1, div: 1}, nil
	case *array.Null:
		return nil, nil
	}
	return nil, fmt.Errorf("type %s is not a timestamp", a.DataType())
}

func (c *tsCol) get(i int) int64 {
	if c == nil {
		return noTS
	}
	var v int64
	if c.ts != nil {
		if c.ts.IsNull(i) {
			return noTS
		}
		v = int64(c.ts.Value(i))
	} else {
		if c.i64.IsNull(i) {
			return noTS
		}
		v = c.i64.Value(i)
	}
	return v * c.mul / c.div
}

// evidenceCols binds the evidence columns of one batch by name.
type evidenceCols struct {
	rec                 arrow.RecordBatch
	table, key          *strCol
	tableArr, keyArr    arrow.Array
	ts                  *tsCol
	source, channel     *strCol
	ids                 [numTypes]*strCol
	untyped, declared   *strCol // identifier, identifier_type
	name, store, region *strCol
}

func column(rec arrow.RecordBatch, name string) arrow.Array {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil
	}
	return rec.Column(idx[0])
}

func bindStr(rec arrow.RecordBatch, name string) (*strCol, error) {
	a := column(rec, name)
	if a == nil {
		return nil, nil
	}
	c, err := newStrCol(a)
	if err != nil {
		return nil, fmt.Errorf("column %s: %w", name, err)
	}
	return c, nil
}

func bindEvidence(rec arrow.RecordBatch) (*evidenceCols, error) {
	e := &evidenceCols{rec: rec}
	var err error
	if e.tableArr = column(rec, "rec_table"); e.tableArr == nil {
		return nil, fmt.Errorf("missing column rec_table")
	}
	if e.keyArr = column(rec, "rec_key"); e.keyArr == nil {
		return nil, fmt.Errorf("missing column rec_key")
	}
	if e.table, err = bindStr(rec, "rec_table"); err != nil {
		return nil, err
	}
	if e.key, err = bindStr(rec, "rec_key"); err != nil {
		return nil, err
	}
	if a := column(rec, "ts"); a != nil {
		if e.ts, err = newTSCol(a); err != nil {
			return nil, fmt.Errorf("column ts: %w", err)
		}
	}
	for _, f := range []struct {
		dst  **strCol
		name string
	}{{&e.source, "source"}, {&e.channel, "channel"}, {&e.name, "name"}, {&e.store, "store_id"}, {&e.region, "region"},
		{&e.untyped, "identifier"}, {&e.declared, "identifier_type"}} {
		if *f.dst, err = bindStr(rec, f.name); err != nil {
			return nil, err
		}
	}
	for t := idType(0); t < numTypes; t++ {
		if e.ids[t], err = bindStr(rec, t.String()); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// formatCustomerID renders customer number n as "C00000001".
func formatCustomerID(n int64) string {
	var b [24]byte
	return string(appendCustomerID(b[:0], n))
}

func appendCustomerID(dst []byte, n int64) []byte {
	dst = append(dst, 'C')
	var d [20]byte
	s := strconv.AppendInt(d[:0], n, 10)
	for i := len(s); i < 8; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// ParseCustomerID returns the sequence number of a customer id "C00000042"
// (42), or false when id does not have that form.
func ParseCustomerID(id string) (int64, bool) {
	if len(id) < 2 || (id[0] != 'C' && id[0] != 'c') {
		return 0, false
	}
	n, err := strconv.ParseInt(id[1:], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
