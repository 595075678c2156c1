package identity

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestIncrementalCheck: what a stitch of part of the evidence must refuse
// to stand for. The store phone 13900000000 is on the receipts of four
// members (cards A, B, C, D): more than 3 strong ids of one kind, so the
// cap refuses it.
func TestIncrementalCheck(t *testing.T) {
	const store = "phone:+8613900000000"
	receipts := []arrow.RecordBatch{batch(t,
		rec{key: "r1", ts: "2025-01-01", phone: "13900000000", card: "A"},
		rec{key: "r2", ts: "2025-01-02", phone: "13900000000", card: "B"},
		rec{key: "r3", ts: "2025-01-03", phone: "13900000000", card: "C"},
		rec{key: "r4", ts: "2025-01-04", phone: "13900000000", card: "D"},
	)}
	own := []arrow.RecordBatch{batch(t,
		rec{key: "r5", ts: "2025-01-05", phone: "13800138000", card: "E"},
	)}
	for _, c := range []struct {
		name     string
		evidence []arrow.RecordBatch
		refused  []Refused
		newTies  bool
		want     string
	}{
		{"one person's records: nothing refused", own, nil, false, ""},
		{"the part pushes the store phone over the cap", receipts, nil, false,
			"identifier " + store + " newly refused (cap)"},
		{"refused by the cap before: refused again through the blocklist", receipts,
			[]Refused{{"phone", "+8613900000000", "cap"}}, false, ""},
		{"refused by the conflict rule before: more evidence can undo it", receipts,
			[]Refused{{"phone", "+8613900000000", "conflict"}}, false,
			"identifier " + store + " refused by the conflict rule is on a new or touched record"},
		{"refused by the cap before, and a new openid tie", receipts,
			[]Refused{{"phone", "+8613900000000", "cap"}}, true,
			"identifier " + store + " refused by the cap is on a touched record while an openid is newly tied to a unionid"},
		{"a new tie without a cap-refused identifier on the part", own, nil, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			keys := map[string]string{}
			for _, r := range c.refused {
				keys[r.Key()] = r.Reason
			}
			res := stitch(t, c.evidence, nil, ForcedBlocklist(Config{}, c.refused), "r")
			defer res.Release()
			if got := IncrementalCheck(res, keys, c.newTies); got != c.want {
				t.Errorf("IncrementalCheck = %q, want %q", got, c.want)
			}
			if len(c.refused) > 0 {
				// forced: the four members stay four customers
				if n := len(customers(res)); n != 4 {
					t.Errorf("%d customers, want 4 (blocked: %v)", n, blocked(res))
				}
			}
		})
	}
}

// TestIncrementalCheckSplit: cards A and B were one customer through a
// phone that is gone from the part; the part splits C00000001, the part
// that leaves is numbered after IssuedUpTo (5, not the prior's 1), and the
// check refuses the result.
func TestIncrementalCheckSplit(t *testing.T) {
	first := stitch(t, []arrow.RecordBatch{batch(t,
		rec{key: "r1", ts: "2025-01-01", phone: "13800138000", card: "A"},
		rec{key: "r2", ts: "2025-01-02", phone: "13800138000", card: "B"},
	)}, nil, Config{}, "r1")
	defer first.Release()
	res := stitch(t, []arrow.RecordBatch{batch(t,
		rec{key: "r1", ts: "2025-01-01", card: "A"},
		rec{key: "r2", ts: "2025-01-02", card: "B"},
	)}, first.IdentityMap, Config{IssuedUpTo: 5}, "r2")
	defer res.Release()
	if got, want := IncrementalCheck(res, nil, false), "customer C00000001 splits (part C00000006)"; got != want {
		t.Errorf("IncrementalCheck = %q, want %q", got, want)
	}
}
