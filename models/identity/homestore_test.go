package identity

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// homeStoreCases: one customer (card M1) per case; want is the home store
// worked out by hand from the tie-break "most records, then the most recent
// last record, then the smallest store id".
var homeStoreCases = []struct {
	name string
	recs []rec // store and ts; key "" is filled in as the position
	want string
}{
	{"one store", []rec{{ts: "2024-01-01", store: "S7"}}, "S7"},
	{"most records beats more recent", []rec{
		{ts: "2024-01-01", store: "A"}, {ts: "2024-01-02", store: "A"}, {ts: "2024-01-03", store: "A"},
		{ts: "2024-06-01", store: "B"}, {ts: "2024-06-02", store: "B"},
	}, "A"},
	{"equal counts: latest record wins", []rec{
		{ts: "2024-01-01", store: "A"}, {ts: "2024-02-01", store: "A"},
		{ts: "2024-01-01", store: "B"}, {ts: "2024-03-01", store: "B"},
	}, "B"},
	{"equal counts and latest time: smallest store id", []rec{
		{ts: "2024-01-01", store: "S2"}, {ts: "2024-03-01", store: "S2"},
		{ts: "2024-02-01", store: "S10"}, {ts: "2024-03-01", store: "S10"}, // "S10" < "S2" in byte order
	}, "S10"},
	{"three stores all tied: smallest store id", []rec{
		{ts: "2024-05-01", store: "C"}, {ts: "2024-05-01", store: "B"}, {ts: "2024-05-01", store: "D"},
	}, "B"},
	{"three stores, tie on top two, later key on the larger id", []rec{
		{ts: "2024-05-01", store: "Z", key: "9"}, {ts: "2024-05-01", store: "Y", key: "8"},
		{ts: "2024-04-01", store: "X", key: "7"},
	}, "Y"},
	{"first store visited again after a third store", []rec{
		{ts: "2024-01-01", store: "A"}, {ts: "2024-01-02", store: "B"}, {ts: "2024-01-03", store: "C"},
		{ts: "2024-01-04", store: "A"}, {ts: "2024-01-05", store: "A"}, {ts: "2024-01-06", store: "C"},
	}, "A"}, // A 3 records, C 2, B 1
	{"same rec_key in two stores at the same time: smallest store id", []rec{
		{ts: "2024-05-01", store: "Q", key: "k"}, {ts: "2024-05-01", store: "P", key: "k"},
	}, "P"},
	{"store id trimmed before comparing", []rec{
		{ts: "2024-05-01", store: " M "}, {ts: "2024-05-01", store: "N"},
	}, "M"},
}

func homeStoreBatch(t *testing.T, rs []rec) arrow.RecordBatch {
	t.Helper()
	full := make([]rec, len(rs))
	for i, r := range rs {
		r.source, r.channel, r.card = "pos_receipts", "pos", "M1"
		if r.key == "" {
			r.key = string(rune('a' + i))
		}
		full[i] = r
	}
	return batch(t, full...)
}

func TestHomeStoreTieBreak(t *testing.T) {
	for _, tc := range homeStoreCases {
		t.Run(tc.name, func(t *testing.T) {
			ev := homeStoreBatch(t, tc.recs)
			defer ev.Release()
			res := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
			if got := customers(res)["C00000001"]["home_store"]; got != tc.want {
				t.Errorf("home_store = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHomeStoreIndependentOfEvidenceOrder: every permutation of the
// evidence rows, and stitching again with the first run's map as prior,
// gives the same home store.
func TestHomeStoreIndependentOfEvidenceOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range homeStoreCases {
		t.Run(tc.name, func(t *testing.T) {
			ev := homeStoreBatch(t, tc.recs)
			defer ev.Release()
			first := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
			for i := 0; i < 20; i++ {
				rs := append([]rec(nil), tc.recs...)
				for k := range rs {
					if rs[k].key == "" {
						rs[k].key = string(rune('a' + k)) // keep each record's key
					}
				}
				r.Shuffle(len(rs), func(a, b int) { rs[a], rs[b] = rs[b], rs[a] })
				sh := homeStoreBatch(t, rs)
				res := stitch(t, []arrow.RecordBatch{sh}, first.IdentityMap, Config{}, "r2")
				sh.Release()
				if got := customers(res)["C00000001"]["home_store"]; got != tc.want {
					t.Fatalf("shuffle %d: home_store = %q, want %q", i, got, tc.want)
				}
			}
		})
	}
}

// TestHomeStoreSyntheticRerun: over generated evidence, a second run in
// reverse batch order with the first run's map as prior picks the same
// home store for every customer.
func TestHomeStoreSyntheticRerun(t *testing.T) {
	syn := GenerateSynthetic(SynthOptions{Persons: 3000, Seed: 5, BatchRows: 1000})
	defer syn.Release()
	r1 := stitch(t, syn.Evidence, nil, syn.Config, "r1")
	rev := append([]arrow.RecordBatch(nil), syn.Evidence...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	r2 := stitch(t, rev, r1.IdentityMap, syn.Config, "r2")
	c1, c2 := customers(r1), customers(r2)
	if len(c1) == 0 || len(c1) != len(c2) {
		t.Fatalf("customers: %d then %d", len(c1), len(c2))
	}
	diff := 0
	for id, c := range c1 {
		if c2[id]["home_store"] != c["home_store"] {
			if diff < 5 {
				t.Logf("%s: home_store %q then %q", id, c["home_store"], c2[id]["home_store"])
			}
			diff++
		}
	}
	if diff != 0 {
		t.Errorf("%d of %d customers changed home_store on the rerun", diff, len(c1))
	}
}
