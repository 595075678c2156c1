package identity

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rec is one evidence record in tests; empty strings are nulls.
type rec struct {
	key, ts, source, channel                           string
	phone, email, card, buyer, openid, unionid, device string
	name, store, region                                string
}

// batch builds an evidence batch (rec_table "t") from recs.
func batch(t testing.TB, recs ...rec) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, EvidenceSchema)
	defer b.Release()
	str := func(i int, v string) {
		sb := b.Field(i).(*array.StringBuilder)
		if v == "" {
			sb.AppendNull()
		} else {
			sb.Append(v)
		}
	}
	for _, r := range recs {
		str(cTable, "t")
		str(cKey, r.key)
		tb := b.Field(cTS).(*array.TimestampBuilder)
		if r.ts == "" {
			tb.AppendNull()
		} else {
			tm, err := time.Parse("2006-01-02", r.ts)
			if err != nil {
				tm, err = time.Parse(time.RFC3339, r.ts)
			}
			if err != nil {
				t.Fatalf("bad ts %q", r.ts)
			}
			tb.Append(arrow.Timestamp(tm.UnixMicro()))
		}
		for i, v := range []string{r.source, r.channel, r.phone, r.email, r.card, r.buyer, r.openid, r.unionid, r.device, r.name, r.store, r.region} {
			str(cSource+i, v)
		}
	}
	return b.NewRecordBatch()
}

func stitch(t testing.TB, evidence, prior []arrow.RecordBatch, cfg Config, run string) *Result {
	t.Helper()
	res, err := Stitch(evidence, prior, cfg, run)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(res.Release)
	return res
}

// idMap returns "type:value" -> customer_id from an IdentityMap.
func idMap(res *Result) map[string]string {
	m := map[string]string{}
	for _, b := range res.IdentityMap {
		for i := 0; i < int(b.NumRows()); i++ {
			m[b.Column(0).ValueStr(i)+":"+b.Column(1).ValueStr(i)] = b.Column(2).ValueStr(i)
		}
	}
	return m
}

// assignments returns rec_key -> customer_id ("" for null).
func assignments(res *Result) map[string]string {
	m := map[string]string{}
	for _, b := range res.Assignments {
		c := b.Column(2).(*array.String)
		for i := 0; i < int(b.NumRows()); i++ {
			v := ""
			if c.IsValid(i) {
				v = c.Value(i)
			}
			m[b.Column(1).ValueStr(i)] = v
		}
	}
	return m
}

// rows renders a batch as one string per row ("col=value col=value").
func rows(bs []arrow.RecordBatch) []string {
	var out []string
	for _, b := range bs {
		for i := 0; i < int(b.NumRows()); i++ {
			var parts []string
			for c := 0; c < int(b.NumCols()); c++ {
				v := "null"
				if b.Column(c).IsValid(i) {
					v = b.Column(c).ValueStr(i)
				}
				parts = append(parts, b.ColumnName(c)+"="+v)
			}
			out = append(out, strings.Join(parts, " "))
		}
	}
	return out
}

// customers returns customer_id -> column -> value.
func customers(res *Result) map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, b := range res.Customers {
		for i := 0; i < int(b.NumRows()); i++ {
			row := map[string]string{}
			for c := 0; c < int(b.NumCols()); c++ {
				v := ""
				if b.Column(c).IsValid(i) {
					v = b.Column(c).ValueStr(i)
				}
				row[b.ColumnName(c)] = v
			}
			m[row["customer_id"]] = row
		}
	}
	return m
}

// blocked returns "type:value" -> reason.
func blocked(res *Result) map[string]string {
	m := map[string]string{}
	for _, b := range res.Blocked {
		for i := 0; i < int(b.NumRows()); i++ {
			m[b.Column(0).ValueStr(i)+":"+b.Column(1).ValueStr(i)] = b.Column(2).ValueStr(i)
		}
	}
	return m
}

func changes(res *Result) []string {
	var out []string
	for _, b := range res.Changes {
		for i := 0; i < int(b.NumRows()); i++ {
			ident := "null"
			if b.Column(4).IsValid(i) {
				ident = b.Column(4).ValueStr(i)
			}
			out = append(out, strings.Join([]string{b.Column(0).ValueStr(i), b.Column(1).ValueStr(i), b.Column(2).ValueStr(i), b.Column(3).ValueStr(i), ident}, " "))
		}
	}
	sort.Strings(out)
	return out
}

func newBatch(schema *arrow.Schema, cols []arrow.Array, n int64) arrow.RecordBatch {
	return array.NewRecordBatch(schema, cols, n)
}
