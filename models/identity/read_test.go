package identity

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestReadShardGrows: evidence whose values are nearly all distinct
// outgrows the reading shards' estimate (a third of the values), so their
// per-identifier stats are moved to larger maps while reading. Every
// identifier keeps its own counts and times: 6,000 records with a member
// card of their own and, on every third record, the card of the record
// before it (a second record for that card, one day later).
func TestReadShardGrows(t *testing.T) {
	const n = 6000
	recs := make([]rec, n)
	for i := range recs {
		recs[i] = rec{key: fmt.Sprint(i), ts: fmt.Sprintf("2024-01-%02d", 1+i%28), card: fmt.Sprintf("C%05d", i)}
		if i%3 == 2 {
			recs[i].phone = fmt.Sprintf("1380000%04d", i)
		}
	}
	// the same card again a day after its first record
	again := rec{key: "again", ts: "2024-01-03", card: "C00001"}
	res := stitch(t, []arrow.RecordBatch{batch(t, append(recs, again)...)}, nil, Config{}, "r1")
	if got, want := res.Stats.Identifiers, int64(n+n/3); got != want {
		t.Fatalf("identifiers %d, want %d", got, want)
	}
	if got, want := res.Stats.Customers, int64(n); got != want {
		t.Fatalf("customers %d, want %d", got, want)
	}
	type stat struct {
		first, last string
		records     int64
	}
	got := map[string]stat{}
	for _, b := range res.IdentityMap {
		for i := 0; i < int(b.NumRows()); i++ {
			day := func(c int) string {
				return b.Column(c).(*array.Timestamp).Value(i).ToTime(arrow.Microsecond).Format("2006-01-02")
			}
			got[b.Column(0).ValueStr(i)+":"+b.Column(1).ValueStr(i)] = stat{day(3), day(4), b.Column(5).(*array.Int64).Value(i)}
		}
	}
	for _, c := range []struct {
		id   string
		want stat
	}{
		{"member_card:C00000", stat{"2024-01-01", "2024-01-01", 1}},
		{"member_card:C00001", stat{"2024-01-02", "2024-01-03", 2}},
		{"member_card:C05999", stat{"2024-01-08", "2024-01-08", 1}}, // day 1 + 5999 % 28
		{"phone:+8613800005999", stat{"2024-01-08", "2024-01-08", 1}},
		{"phone:+8613800000002", stat{"2024-01-03", "2024-01-03", 1}},
	} {
		if g := got[c.id]; g != c.want {
			t.Errorf("%s: got %+v, want %+v", c.id, g, c.want)
		}
	}
}
