package metrics

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// shanghai is the business zone of the tests (UTC+8, no DST).
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func asOf(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// batch builds a record batch. spec is "name:type ..." with types s
// (string), i (int64), f (float64), t (timestamp, written "2006-01-02
// 15:04" in Shanghai time, or with a trailing Z for UTC) and d (date
// "2006-01-02"). A nil cell is NULL.
func batch(t testing.TB, spec string, rows ...[]any) arrow.RecordBatch {
	t.Helper()
	var fields []arrow.Field
	var kinds []byte
	for _, f := range strings.Fields(spec) {
		name, kind, _ := strings.Cut(f, ":")
		var dt arrow.DataType
		switch kind {
		case "s":
			dt = arrow.BinaryTypes.String
		case "i":
			dt = arrow.PrimitiveTypes.Int64
		case "f":
			dt = arrow.PrimitiveTypes.Float64
		case "t":
			dt = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		case "d":
			dt = arrow.FixedWidthTypes.Date32
		case "b":
			dt = arrow.FixedWidthTypes.Boolean
		default:
			t.Fatalf("bad spec %q", f)
		}
		fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: true})
		kinds = append(kinds, kind[0])
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		if len(r) != len(fields) {
			t.Fatalf("row %v has %d cells, want %d", r, len(r), len(fields))
		}
		for j, v := range r {
			fb := b.Field(j)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch kinds[j] {
			case 's':
				fb.(*array.StringBuilder).Append(v.(string))
			case 'i':
				fb.(*array.Int64Builder).Append(int64(v.(int)))
			case 'f':
				switch x := v.(type) {
				case int:
					fb.(*array.Float64Builder).Append(float64(x))
				default:
					fb.(*array.Float64Builder).Append(x.(float64))
				}
			case 't':
				fb.(*array.TimestampBuilder).Append(arrow.Timestamp(tsOf(t, v.(string)).UnixMicro()))
			case 'd':
				d, err := time.Parse("2006-01-02", v.(string))
				if err != nil {
					t.Fatal(err)
				}
				fb.(*array.Date32Builder).Append(arrow.Date32FromTime(d))
			case 'b':
				fb.(*array.BooleanBuilder).Append(v.(bool))
			}
		}
	}
	return b.NewRecordBatch()
}

func tsOf(t testing.TB, s string) time.Time {
	t.Helper()
	if strings.HasSuffix(s, "Z") {
		v, err := time.Parse("2006-01-02 15:04Z", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type row map[string]any

// rowsOf decodes batches into rows keyed by column name: strings (nil for
// NULL), int64, float64 (nil for NULL), bool and dates as "2006-01-02".
func rowsOf(t testing.TB, recs []arrow.RecordBatch) []row {
	t.Helper()
	var out []row
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			r := row{}
			for j, f := range rec.Schema().Fields() {
				c := rec.Column(j)
				if c.IsNull(i) {
					r[f.Name] = nil
					continue
				}
				switch a := c.(type) {
				case *array.String:
					r[f.Name] = a.Value(i)
				case *array.Int64:
					r[f.Name] = a.Value(i)
				case *array.Float64:
					r[f.Name] = a.Value(i)
				case *array.Boolean:
					r[f.Name] = a.Value(i)
				case *array.Date32:
					r[f.Name] = a.Value(i).ToTime().Format("2006-01-02")
				default:
					t.Fatalf("column %s: unexpected type %s", f.Name, c.DataType())
				}
			}
			out = append(out, r)
		}
	}
	return out
}

func release(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// pick returns the only row matching the key/value pairs.
func pick(t testing.TB, rows []row, kv ...any) row {
	t.Helper()
	var found []row
	for _, r := range rows {
		ok := true
		for i := 0; i < len(kv); i += 2 {
			if r[kv[i].(string)] != kv[i+1] {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one row with %v, found %d", kv, len(found))
	}
	return found[0]
}

// count returns how many rows match.
func count(rows []row, kv ...any) int {
	n := 0
	for _, r := range rows {
		ok := true
		for i := 0; i < len(kv); i += 2 {
			if r[kv[i].(string)] != kv[i+1] {
				ok = false
				break
			}
		}
		if ok {
			n++
		}
	}
	return n
}

// want checks cells of r: ints compare exactly, floats to 1e-9 relative,
// nil means NULL.
func want(t testing.TB, r row, kv ...any) {
	t.Helper()
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		got, ok := r[k]
		if !ok {
			t.Errorf("row %v: no column %s", r, k)
			continue
		}
		exp := kv[i+1]
		switch e := exp.(type) {
		case nil:
			if got != nil {
				t.Errorf("%s: got %v, want NULL (row %s)", k, got, brief(r))
			}
		case int:
			if g, ok := got.(int64); !ok || g != int64(e) {
				t.Errorf("%s: got %v, want %d (row %s)", k, got, e, brief(r))
			}
		case float64:
			g, ok := got.(float64)
			if !ok || math.Abs(g-e) > 1e-9*math.Max(1, math.Abs(e)) {
				t.Errorf("%s: got %v, want %v (row %s)", k, got, e, brief(r))
			}
		default:
			if got != exp {
				t.Errorf("%s: got %v, want %v (row %s)", k, got, exp, brief(r))
			}
		}
	}
}

func brief(r row) string {
	var parts []string
	for _, k := range []string{"period", "level", "dimension", "key", "subkey", "customer_id", "order_id", "campaign_id", "store_id", "associate_id"} {
		if v, ok := r[k]; ok && v != nil {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}
