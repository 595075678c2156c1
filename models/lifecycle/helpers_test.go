package lifecycle

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Rows of the test inputs. Times are "2006-01-02 15:04:05" (or without
// seconds) in the test's location; "" means NULL for ids, channels and
// unfollowed times.
type ord struct{ cust, ts, ch string }
type act struct{ cust, ts, action, ch string }
type fol struct{ cust, from, to, ch string }
type con struct{ cust, ts, ch string }

var tsType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

func parseLocal(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if v, err := time.ParseInLocation(layout, s, loc); err == nil {
			return v
		}
	}
	t.Fatalf("bad time %q", s)
	return time.Time{}
}

func appendStr(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
	} else {
		b.Append(s)
	}
}

func appendTS(t testing.TB, b *array.TimestampBuilder, loc *time.Location, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(arrow.Timestamp(parseLocal(t, loc, s).UnixMicro()))
}

func field(name string, typ arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: typ, Nullable: true}
}

func ordersRec(t testing.TB, loc *time.Location, rows []ord) arrow.RecordBatch {
	s := arrow.NewSchema([]arrow.Field{field("customer_id", arrow.BinaryTypes.String), field("order_ts", tsType), field("channel", arrow.BinaryTypes.String)}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	for _, r := range rows {
		appendStr(b.Field(0).(*array.StringBuilder), r.cust)
		appendTS(t, b.Field(1).(*array.TimestampBuilder), loc, r.ts)
		appendStr(b.Field(2).(*array.StringBuilder), r.ch)
	}
	return b.NewRecordBatch()
}

func actsRec(t testing.TB, loc *time.Location, rows []act) arrow.RecordBatch {
	s := arrow.NewSchema([]arrow.Field{field("customer_id", arrow.BinaryTypes.String), field("ts", tsType), field("action", arrow.BinaryTypes.String), field("channel", arrow.BinaryTypes.String)}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	for _, r := range rows {
		appendStr(b.Field(0).(*array.StringBuilder), r.cust)
		appendTS(t, b.Field(1).(*array.TimestampBuilder), loc, r.ts)
		appendStr(b.Field(2).(*array.StringBuilder), r.action)
		appendStr(b.Field(3).(*array.StringBuilder), r.ch)
	}
	return b.NewRecordBatch()
}

func folsRec(t testing.TB, loc *time.Location, rows []fol) arrow.RecordBatch {
	s := arrow.NewSchema([]arrow.Field{field("customer_id", arrow.BinaryTypes.String), field("followed_ts", tsType), field("unfollowed_ts", tsType), field("channel", arrow.BinaryTypes.String)}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	for _, r := range rows {
		appendStr(b.Field(0).(*array.StringBuilder), r.cust)
		appendTS(t, b.Field(1).(*array.TimestampBuilder), loc, r.from)
		appendTS(t, b.Field(2).(*array.TimestampBuilder), loc, r.to)
		appendStr(b.Field(3).(*array.StringBuilder), r.ch)
	}
	return b.NewRecordBatch()
}

func consRec(t testing.TB, loc *time.Location, rows []con) arrow.RecordBatch {
	s := arrow.NewSchema([]arrow.Field{field("customer_id", arrow.BinaryTypes.String), field("contacted_ts", tsType), field("channel", arrow.BinaryTypes.String)}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	for _, r := range rows {
		appendStr(b.Field(0).(*array.StringBuilder), r.cust)
		appendTS(t, b.Field(1).(*array.TimestampBuilder), loc, r.ts)
		appendStr(b.Field(2).(*array.StringBuilder), r.ch)
	}
	return b.NewRecordBatch()
}

// population is a set of input rows.
type population struct {
	orders   []ord
	acts     []act
	follows  []fol
	contacts []con
}

// inputs builds one batch per table.
func (p population) inputs(t testing.TB, loc *time.Location) Inputs {
	return Inputs{
		Orders:       []arrow.RecordBatch{ordersRec(t, loc, p.orders)},
		Interactions: []arrow.RecordBatch{actsRec(t, loc, p.acts)},
		Follows:      []arrow.RecordBatch{folsRec(t, loc, p.follows)},
		Contacts:     []arrow.RecordBatch{consRec(t, loc, p.contacts)},
	}
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load location %s: %v", name, err)
	}
	return l
}
