package identity

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestStitchLinksRecords(t *testing.T) {
	ev := []arrow.RecordBatch{batch(t,
		rec{key: "1", ts: "2024-01-01", channel: "pos", phone: "138 0000 0001", card: "M1"},
		rec{key: "2", ts: "2024-01-02", channel: "tmall", phone: "+86 138-0000-0001", buyer: "tmall:b1"},
		rec{key: "3", ts: "2024-01-03", channel: "wechat", openid: "o1", unionid: "u1", phone: "0086 13800000001"},
		rec{key: "4", ts: "2024-01-04", channel: "wechat", openid: "o1"},  // tied to u1 by record 3
		rec{key: "5", ts: "2024-01-05", channel: "pos", store: "S1"},      // anonymous receipt
		rec{key: "6", ts: "2024-01-06", channel: "pos", phone: "138-abc"}, // only an invalid phone
		rec{key: "7", ts: "2024-01-07", channel: "shopify", email: " Bob@Mail.com ", buyer: "shopify:9"},
	)}
	defer ev[0].Release()
	res := stitch(t, ev, nil, Config{}, "r1")
	as := assignments(res)
	want := map[string]string{"1": "C00000001", "2": "C00000001", "3": "C00000001", "4": "C00000001", "5": "", "6": "", "7": "C00000002"}
	if !reflect.DeepEqual(as, want) {
		t.Errorf("assignments = %v, want %v", as, want)
	}
	im := idMap(res)
	for k, c := range map[string]string{
		"phone:+8613800000001": "C00000001", "member_card:M1": "C00000001", "buyer_id:tmall:b1": "C00000001",
		"openid:o1": "C00000001", "unionid:u1": "C00000001", "email:bob@mail.com": "C00000002", "buyer_id:shopify:9": "C00000002",
	} {
		if im[k] != c {
			t.Errorf("identity_map[%s] = %q, want %q", k, im[k], c)
		}
	}
	if len(im) != 7 {
		t.Errorf("identity_map has %d rows: %v", len(im), im)
	}
	st := res.Stats
	if st.Records != 7 || st.RecordsAssigned != 5 || st.RecordsAnonymous != 2 || st.Customers != 2 || st.NewIDs != 2 {
		t.Errorf("stats = %+v", st)
	}
	if st.Invalid[IDPhone] != 1 || st.Values[IDPhone] != 4 {
		t.Errorf("phone values/invalid = %d/%d", st.Values[IDPhone], st.Invalid[IDPhone])
	}
	// identity map columns: first/last seen and records
	for _, r := range rows(res.IdentityMap) {
		if r == "" {
			t.Fatal("empty row")
		}
	}
	wantRow := "id_type=phone id_value=+8613800000001 customer_id=C00000001 first_seen=2024-01-01T00:00:00Z last_seen=2024-01-03T00:00:00Z records=3"
	if !slices.Contains(rows(res.IdentityMap), wantRow) {
		t.Errorf("missing %q in %v", wantRow, rows(res.IdentityMap))
	}
}

func TestStitchMissingColumns(t *testing.T) {
	// only rec_table, rec_key and phone; no ts at all
	b := batch(t, rec{key: "a", phone: "13900000001"}, rec{key: "b"}, rec{key: "c", phone: "13900000001"})
	defer b.Release()
	cols := []arrow.Array{b.Column(cTable), b.Column(cKey), b.Column(cPhone)}
	schema := arrow.NewSchema([]arrow.Field{EvidenceSchema.Field(cTable), EvidenceSchema.Field(cKey), EvidenceSchema.Field(cPhone)}, nil)
	small := newBatch(schema, cols, b.NumRows())
	defer small.Release()
	res := stitch(t, []arrow.RecordBatch{small}, nil, Config{}, "r1")
	if got := assignments(res); !reflect.DeepEqual(got, map[string]string{"a": "C00000001", "b": "", "c": "C00000001"}) {
		t.Errorf("assignments = %v", got)
	}
	c := customers(res)["C00000001"]
	if c["first_seen"] != "" || c["phone"] != "+8613900000001" || c["identifiers"] != "1" {
		t.Errorf("customer = %v", c)
	}
	if _, err := Stitch([]arrow.RecordBatch{newBatch(arrow.NewSchema([]arrow.Field{EvidenceSchema.Field(cPhone)}, nil), []arrow.Array{b.Column(cPhone)}, b.NumRows())}, nil, Config{}, "x"); err == nil {
		t.Error("evidence without rec_table/rec_key accepted")
	}
}

func TestBlocklistAndPatterns(t *testing.T) {
	// Two people who share a junk value; each case blocks it so they stay apart.
	cases := []struct {
		name      string
		cfg       Config
		junkType  string
		junkRaw   string
		blockedAs string // type:normalised value
		reason    string
	}{
		{"raw phone matches another spelling", Config{Blocklist: []string{"+86 400 820 8820"}}, "phone", "400-820-8820", "phone:+864008208820", "blocklist"},
		{"typed phone entry", Config{Blocklist: []string{"phone:4008208820"}}, "phone", "(+86) 400 820 8820", "phone:+864008208820", "blocklist"},
		{"email entry is normalised", Config{Blocklist: []string{"  Test@Test.COM"}}, "email", "test@test.com", "email:test@test.com", "blocklist"},
		{"member card entry", Config{Blocklist: []string{"member_card:VIP0000"}}, "card", " VIP0000 ", "member_card:VIP0000", "blocklist"},
		{"typed pattern on emails", Config{BlockPatterns: []string{`email:@example\.(com|org)$`}}, "email", "Someone@Example.com", "email:someone@example.com", "pattern"},
		{"untyped pattern on phones", Config{BlockPatterns: []string{`^\+86(400|800)`}}, "phone", "800-820-8820", "phone:+868008208820", "pattern"},
		{"pattern on landline prefix", Config{BlockPatterns: []string{`phone:^\+8621`}}, "phone", "021-6234 5678", "phone:+862162345678", "pattern"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			junk := func(r rec) rec {
				switch c.junkType {
				case "phone":
					r.phone = c.junkRaw
				case "email":
					r.email = c.junkRaw
				case "card":
					r.card = c.junkRaw
				}
				return r
			}
			ev := batch(t,
				junk(rec{key: "a1", ts: "2024-01-01", buyer: "tmall:a"}),
				junk(rec{key: "b1", ts: "2024-01-02", buyer: "tmall:b"}),
				junk(rec{key: "z", ts: "2024-01-03"}), // only the junk value
			)
			defer ev.Release()
			res := stitch(t, []arrow.RecordBatch{ev}, nil, c.cfg, "r1")
			as := assignments(res)
			if as["a1"] == as["b1"] || as["a1"] == "" || as["b1"] == "" || as["z"] != "" {
				t.Errorf("assignments = %v", as)
			}
			if r := blocked(res)[c.blockedAs]; r != c.reason {
				t.Errorf("blocked[%s] = %q, want %q (blocked: %v)", c.blockedAs, r, c.reason, blocked(res))
			}
			if _, ok := idMap(res)[c.blockedAs]; ok {
				t.Errorf("blocked identifier %s is in identity_map", c.blockedAs)
			}
			want := fmt.Sprintf("reason=%s strong_ids=2 weak_ids=0 records=3", c.reason)
			if c.junkType == "card" {
				want = fmt.Sprintf("reason=%s strong_ids=0 weak_ids=0 records=3", c.reason)
			}
			if got := rows(res.Blocked); len(got) != 1 || !strings.Contains(got[0], want) {
				t.Errorf("blocked rows = %v, want ... %s", got, want)
			}
		})
	}
	t.Run("bad pattern", func(t *testing.T) {
		if _, err := Stitch(nil, nil, Config{BlockPatterns: []string{"("}}, "r"); err == nil {
			t.Error("bad regex accepted")
		}
	})
}

func TestCap(t *testing.T) {
	// A phone typed on the records of n strong ids.
	sharedPhone := func(n int, strong func(i int) rec) []rec {
		var rs []rec
		for i := 0; i < n; i++ {
			r := strong(i)
			r.key = fmt.Sprintf("k%d", i)
			r.ts = fmt.Sprintf("2024-01-%02d", i+1)
			r.phone = "139 0000 5000"
			rs = append(rs, r)
		}
		return rs
	}
	cards := func(i int) rec { return rec{card: fmt.Sprintf("M%d", i)} }
	mixed := func(i int) rec { // one strong id of each kind
		return []rec{{card: "M1"}, {buyer: "tmall:t1"}, {buyer: "jd:j1"}, {unionid: "u1"}, {openid: "o1"}}[i]
	}
	cases := []struct {
		name     string
		recs     []rec
		cfg      Config
		blocked  bool
		strong   string // strong_ids in Blocked
		linkedTo int    // distinct customers among the records
	}{
		{"phone shared by 5 member cards is blocked", sharedPhone(5, cards), Config{}, true, "5", 5},
		{"phone shared by 2 member cards is not", sharedPhone(2, cards), Config{}, false, "", 1},
		{"phone shared by 3 member cards is not (cap 3)", sharedPhone(3, cards), Config{}, false, "", 1},
		{"4 member cards exceed cap 3", sharedPhone(4, cards), Config{}, true, "4", 4},
		{"4 member cards within cap 5", sharedPhone(4, cards), Config{MaxStrongIDs: 5}, false, "", 1},
		{"cap disabled", sharedPhone(6, cards), Config{MaxStrongIDs: -1}, false, "", 1},
		{"one id of each of 5 kinds is counted per kind", sharedPhone(5, mixed), Config{}, false, "", 1},
		{"CapAcrossKinds counts all kinds together", sharedPhone(5, mixed), Config{CapAcrossKinds: true}, true, "5", 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := batch(t, c.recs...)
			defer ev.Release()
			res := stitch(t, []arrow.RecordBatch{ev}, nil, c.cfg, "r1")
			b := blocked(res)
			if got := b["phone:+8613900005000"] == "cap"; got != c.blocked {
				t.Fatalf("blocked = %v, want %v (%v)", got, c.blocked, rows(res.Blocked))
			}
			if c.blocked {
				want := "id_type=phone id_value=+8613900005000 reason=cap strong_ids=" + c.strong
				if got := rows(res.Blocked); len(got) != 1 || !strings.Contains(got[0], want) {
					t.Errorf("blocked rows = %v, want %s", got, want)
				}
			}
			distinct := map[string]bool{}
			for _, v := range assignments(res) {
				distinct[v] = true
			}
			if len(distinct) != c.linkedTo {
				t.Errorf("%d customers, want %d: %v", len(distinct), c.linkedTo, assignments(res))
			}
		})
	}
}

func TestWeakCap(t *testing.T) {
	// a test email typed on guest orders of many phones, no strong id
	var rs []rec
	for i := 0; i < 12; i++ {
		rs = append(rs, rec{key: fmt.Sprint(i), ts: "2024-01-01", phone: fmt.Sprintf("1390000%04d", i), email: "guest@shop.cn"})
	}
	for _, n := range []int{12, 10} {
		ev := batch(t, rs[:n]...)
		res := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
		ev.Release()
		isBlocked := blocked(res)["email:guest@shop.cn"] == "cap"
		if isBlocked != (n > DefaultMaxWeakIDs) {
			t.Errorf("%d phones: blocked = %v", n, isBlocked)
		}
		if isBlocked && res.Stats.Customers != int64(n) || !isBlocked && res.Stats.Customers != 1 {
			t.Errorf("%d phones: %d customers", n, res.Stats.Customers)
		}
	}
}

func TestConflictRule(t *testing.T) {
	// A store phone typed on two members' receipts; each member also has
	// their own phone: the store phone would join two people.
	ev := batch(t,
		rec{key: "1", ts: "2024-01-01", card: "M1", phone: "13900000001"},
		rec{key: "2", ts: "2024-01-02", card: "M2", phone: "13900000002"},
		rec{key: "3", ts: "2024-01-03", card: "M1", phone: "139 0000 5000"},
		rec{key: "4", ts: "2024-01-04", card: "M2", phone: "139 0000 5000"},
	)
	defer ev.Release()
	res := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
	if r := blocked(res)["phone:+8613900005000"]; r != "conflict" {
		t.Errorf("reason = %q (%v)", r, rows(res.Blocked))
	}
	if res.Stats.Customers != 2 {
		t.Errorf("%d customers", res.Stats.Customers)
	}
	res2 := stitch(t, []arrow.RecordBatch{ev}, nil, Config{NoConflictRule: true}, "r1")
	if res2.Stats.Customers != 1 || len(blocked(res2)) != 0 {
		t.Errorf("NoConflictRule: %d customers, blocked %v", res2.Stats.Customers, blocked(res2))
	}
	// a household: two cards share a phone and have no other phone: linked
	hh := batch(t,
		rec{key: "1", ts: "2024-01-01", card: "M1", phone: "13900000009"},
		rec{key: "2", ts: "2024-01-02", card: "M2", phone: "13900000009"},
	)
	defer hh.Release()
	if res := stitch(t, []arrow.RecordBatch{hh}, nil, Config{}, "r1"); res.Stats.Customers != 1 {
		t.Errorf("household split into %d customers", res.Stats.Customers)
	}
}

// TestStableIDsThreeRuns: run 1 finds two customers, run 2 on unchanged data
// changes nothing, run 3 brings a record that links them: the oldest id
// survives and one merge is recorded with the linking identifier; run 4
// (unchanged again) changes nothing.
func TestStableIDsThreeRuns(t *testing.T) {
	base := []rec{
		{key: "a1", ts: "2024-01-01", source: "pos", channel: "pos", phone: "13800000001", card: "M1"},
		{key: "b1", ts: "2024-02-01", source: "shop", channel: "shopify", phone: "13800000002", email: "b@x.com", buyer: "shopify:b"},
		{key: "a2", ts: "2024-03-01", source: "pos", channel: "pos", card: "M1"},
		{key: "b2", ts: "2024-03-02", source: "shop", channel: "shopify", buyer: "shopify:b"},
	}
	ev1 := batch(t, base...)
	defer ev1.Release()
	r1 := stitch(t, []arrow.RecordBatch{ev1}, nil, Config{}, "run1")
	a1 := assignments(r1)
	if a1["a1"] != "C00000001" || a1["a2"] != "C00000001" || a1["b1"] != "C00000002" || a1["b2"] != "C00000002" {
		t.Fatalf("run 1 assignments = %v", a1)
	}
	if len(changes(r1)) != 0 || r1.Stats.NewIDs != 2 {
		t.Fatalf("run 1: changes %v, new ids %d", changes(r1), r1.Stats.NewIDs)
	}

	r2 := stitch(t, []arrow.RecordBatch{ev1}, r1.IdentityMap, Config{}, "run2")
	if !reflect.DeepEqual(idMap(r2), idMap(r1)) || !reflect.DeepEqual(assignments(r2), a1) {
		t.Fatalf("run 2 changed ids:\n%v\n%v", idMap(r2), idMap(r1))
	}
	if len(changes(r2)) != 0 || r2.Stats.NewIDs != 0 || r2.Stats.Merges != 0 || r2.Stats.Splits != 0 {
		t.Fatalf("run 2: changes %v stats %+v", changes(r2), r2.Stats)
	}

	link := rec{key: "x1", ts: "2024-04-01", source: "svc", channel: "service", phone: "+86 138 0000 0001", email: "B@X.com"}
	ev3 := batch(t, append(slices.Clone(base), link)...)
	defer ev3.Release()
	r3 := stitch(t, []arrow.RecordBatch{ev3}, r2.IdentityMap, Config{}, "run3")
	for k, v := range assignments(r3) {
		if v != "C00000001" {
			t.Errorf("run 3: record %s -> %s", k, v)
		}
	}
	wantChanges := []string{"run3 merge C00000001 C00000002 phone:+8613800000001"}
	if got := changes(r3); !reflect.DeepEqual(got, wantChanges) {
		t.Errorf("run 3 changes = %v, want %v", got, wantChanges)
	}
	if r3.Stats.Merges != 1 || r3.Stats.NewIDs != 0 || r3.Stats.Customers != 1 {
		t.Errorf("run 3 stats %+v", r3.Stats)
	}

	r4 := stitch(t, []arrow.RecordBatch{ev3}, r3.IdentityMap, Config{}, "run4")
	if !reflect.DeepEqual(idMap(r4), idMap(r3)) || len(changes(r4)) != 0 {
		t.Errorf("run 4 changed: %v", changes(r4))
	}
}

func TestMergeLinkPrefersWeakIdentifier(t *testing.T) {
	ev1 := batch(t,
		rec{key: "1", ts: "2024-01-01", card: "M1"},
		rec{key: "2", ts: "2024-01-02", buyer: "tmall:b2", phone: "13900000002"},
	)
	defer ev1.Release()
	r1 := stitch(t, []arrow.RecordBatch{ev1}, nil, Config{}, "r1")
	// the new receipt of member M1 carries the phone of the second customer
	ev2 := batch(t,
		rec{key: "1", ts: "2024-01-01", card: "M1"},
		rec{key: "2", ts: "2024-01-02", buyer: "tmall:b2", phone: "13900000002"},
		rec{key: "3", ts: "2024-01-03", card: "M1", phone: "13900000002"},
	)
	defer ev2.Release()
	r2 := stitch(t, []arrow.RecordBatch{ev2}, r1.IdentityMap, Config{}, "r2")
	want := []string{"r2 merge C00000001 C00000002 phone:+8613900000002"}
	if got := changes(r2); !reflect.DeepEqual(got, want) {
		t.Errorf("changes = %v, want %v", got, want)
	}
}

func TestThreeWayMerge(t *testing.T) {
	ev1 := batch(t,
		rec{key: "1", ts: "2024-01-01", card: "M1"},
		rec{key: "2", ts: "2024-01-02", card: "M2"},
		rec{key: "3", ts: "2024-01-03", card: "M3"},
	)
	defer ev1.Release()
	r1 := stitch(t, []arrow.RecordBatch{ev1}, nil, Config{}, "r1")
	ev2 := batch(t,
		rec{key: "1", ts: "2024-01-01", card: "M1"},
		rec{key: "2", ts: "2024-01-02", card: "M2"},
		rec{key: "3", ts: "2024-01-03", card: "M3"},
		rec{key: "4", ts: "2024-02-01", card: "M3", email: "e@x.com"},
		rec{key: "5", ts: "2024-02-02", card: "M2", email: "e@x.com"},
		rec{key: "6", ts: "2024-02-03", card: "M1", email: "e@x.com"},
	)
	defer ev2.Release()
	r2 := stitch(t, []arrow.RecordBatch{ev2}, r1.IdentityMap, Config{}, "r2")
	want := []string{"r2 merge C00000001 C00000002 email:e@x.com", "r2 merge C00000001 C00000003 email:e@x.com"}
	if got := changes(r2); !reflect.DeepEqual(got, want) {
		t.Errorf("changes = %v, want %v", got, want)
	}
}

// TestSplit: a customer held together by a phone that becomes blocked
// splits; the part with most identifiers keeps the id.
func TestSplit(t *testing.T) {
	recs := []rec{
		{key: "1", ts: "2024-01-02", card: "M1", phone: "139 0000 5000"},
		{key: "2", ts: "2024-01-01", card: "M2", phone: "139 0000 5000"},
		{key: "3", ts: "2024-01-03", card: "M1", email: "one@x.com"},
		{key: "4", ts: "2024-01-04", phone: "139 0000 5000"},
	}
	ev := batch(t, recs...)
	defer ev.Release()
	r1 := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
	if r1.Stats.Customers != 1 {
		t.Fatalf("run 1: %d customers", r1.Stats.Customers)
	}
	cfg := Config{Blocklist: []string{"13900005000"}}
	r2 := stitch(t, []arrow.RecordBatch{ev}, r1.IdentityMap, cfg, "r2")
	as := assignments(r2)
	// {M1, one@x.com} had 2 identifiers of C1: it keeps C1 although M2 is older
	want := map[string]string{"1": "C00000001", "2": "C00000002", "3": "C00000001", "4": ""}
	if !reflect.DeepEqual(as, want) {
		t.Errorf("assignments = %v, want %v", as, want)
	}
	wantCh := []string{"r2 split C00000001 C00000002 phone:+8613900005000"}
	if got := changes(r2); !reflect.DeepEqual(got, wantCh) {
		t.Errorf("changes = %v, want %v", got, wantCh)
	}
	if r2.Stats.Splits != 1 || r2.Stats.NewIDs != 1 {
		t.Errorf("stats %+v", r2.Stats)
	}
	if _, ok := idMap(r2)["phone:+8613900005000"]; ok {
		t.Error("blocked phone still in identity_map")
	}
	// stable afterwards
	r3 := stitch(t, []arrow.RecordBatch{ev}, r2.IdentityMap, cfg, "r3")
	if len(changes(r3)) != 0 || !reflect.DeepEqual(assignments(r3), want) {
		t.Errorf("run 3: %v %v", changes(r3), assignments(r3))
	}
	// the same split caused by the cap: three more cards on the phone
	more := append(slices.Clone(recs),
		rec{key: "5", ts: "2024-01-05", card: "M5", phone: "139 0000 5000"},
		rec{key: "6", ts: "2024-01-06", card: "M6", phone: "139 0000 5000"},
	)
	ev4 := batch(t, more...)
	defer ev4.Release()
	r4 := stitch(t, []arrow.RecordBatch{ev4}, r1.IdentityMap, Config{}, "r4")
	if got := blocked(r4)["phone:+8613900005000"]; got != "cap" {
		t.Fatalf("phone not capped: %v", rows(r4.Blocked))
	}
	if a := assignments(r4); a["1"] != "C00000001" || a["3"] != "C00000001" || a["2"] != "C00000002" {
		t.Errorf("cap split assignments = %v", a)
	}
	if got := changes(r4); !reflect.DeepEqual(got, []string{"r4 split C00000001 C00000002 phone:+8613900005000"}) {
		t.Errorf("cap split changes = %v", got)
	}
}

func TestGoldenRecord(t *testing.T) {
	recs := []rec{
		{key: "1", ts: "2024-01-01", source: "pos_receipts", channel: "pos", card: "M1", phone: "13900000001", name: " 王伟 ", store: "S1", region: "上海"},
		{key: "2", ts: "2024-02-01", source: "tmall_orders", channel: "tmall", buyer: "tmall:b1", phone: "13900000001", email: "w@x.com", name: "Wang Wei", region: "北京"},
		{key: "3", ts: "2024-03-01", source: "pos_receipts", channel: "pos", card: "M1", store: "S1"},
		{key: "4", ts: "2024-04-01", source: "pos_receipts", channel: "pos", card: "M1", store: "S2"},
		{key: "5", ts: "2024-05-01", source: "service_desk", channel: "service", card: "M1", phone: "13900000002", name: "  "},
		{key: "6", ts: "2024-06-01", source: "pos_receipts", channel: "pos", card: "M1", store: "S2"},
		{key: "7", channel: "pos", card: "M1", store: "S3"}, // no ts
	}
	ev := batch(t, recs...)
	defer ev.Release()
	check := func(cfg Config, want map[string]string) {
		t.Helper()
		res := stitch(t, []arrow.RecordBatch{ev}, nil, cfg, "r1")
		got := customers(res)["C00000001"]
		for k, v := range want {
			if got[k] != v {
				t.Errorf("priority %v: %s = %q, want %q", cfg.SourcePriority, k, got[k], v)
			}
		}
	}
	// most recent non-empty value wins
	check(Config{}, map[string]string{
		"phone": "+8613900000002", "phone_source": "service_desk",
		"email": "w@x.com", "email_source": "tmall_orders",
		"name": "Wang Wei", "name_source": "tmall_orders",
		"home_store": "S2", "home_store_source": "pos_receipts", // S1 and S2 have 2 receipts; S2 is more recent
		"region": "北京", "region_source": "tmall_orders",
		"first_seen": "2024-01-01T00:00:00Z", "last_seen": "2024-06-01T00:00:00Z",
		"first_channel": "pos", "identifiers": "5",
	})
	// a listed source wins over more recent records of unlisted ones
	check(Config{SourcePriority: []string{"pos_receipts"}}, map[string]string{
		"phone": "+8613900000001", "phone_source": "pos_receipts",
		"email": "w@x.com", "name": "王伟", "name_source": "pos_receipts",
		"region": "上海", "region_source": "pos_receipts",
	})
	// channels can be listed too; earlier entries win
	check(Config{SourcePriority: []string{"tmall", "pos"}}, map[string]string{
		"phone": "+8613900000001", "phone_source": "tmall_orders", "name": "Wang Wei", "region": "北京",
	})
}

func TestHomeStoreManyStores(t *testing.T) {
	var rs []rec
	add := func(store string, n int, day int) {
		for i := 0; i < n; i++ {
			rs = append(rs, rec{key: fmt.Sprintf("%s-%d", store, i), ts: fmt.Sprintf("2024-03-%02d", day+i), source: "pos", card: "M1", store: store})
		}
	}
	add("A", 1, 1)
	add("B", 3, 2)
	add("C", 1, 10)
	add("D", 3, 11) // ties B on count, more recent
	add("E", 2, 20)
	ev := batch(t, rs...)
	defer ev.Release()
	res := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
	if got := customers(res)["C00000001"]["home_store"]; got != "D" {
		t.Errorf("home_store = %q, want D", got)
	}
}

// TestIDsIndependentOfInputOrder: new ids are numbered by first seen, then
// smallest identifier, so reordering the evidence changes no id.
func TestIDsIndependentOfInputOrder(t *testing.T) {
	syn := GenerateSynthetic(SynthOptions{Persons: 3000, Seed: 3, BatchRows: 4000})
	defer syn.Release()
	r1 := stitch(t, syn.Evidence, nil, syn.Config, "r1")
	rev := slices.Clone(syn.Evidence)
	slices.Reverse(rev)
	r2 := stitch(t, rev, nil, syn.Config, "r1")
	if !reflect.DeepEqual(idMap(r1), idMap(r2)) {
		t.Error("ids depend on the order of the evidence batches")
	}
}

// TestCarryForward: identifiers that disappear from the evidence keep their
// id in identity_map and ids are never reused.
func TestCarryForward(t *testing.T) {
	a := rec{key: "a", ts: "2024-01-01", card: "M1"}
	b := rec{key: "b", ts: "2024-01-02", card: "M2", email: "b@x.com"}
	c := rec{key: "c", ts: "2024-01-03", card: "M3"}
	ev1 := batch(t, a, b)
	defer ev1.Release()
	r1 := stitch(t, []arrow.RecordBatch{ev1}, nil, Config{}, "r1")
	ev2 := batch(t, a, c)
	defer ev2.Release()
	r2 := stitch(t, []arrow.RecordBatch{ev2}, r1.IdentityMap, Config{}, "r2")
	im := idMap(r2)
	if im["member_card:M2"] != "C00000002" || im["email:b@x.com"] != "C00000002" || im["member_card:M3"] != "C00000003" {
		t.Errorf("identity_map = %v", im)
	}
	if r2.Stats.CarriedForward != 2 || r2.Stats.Customers != 2 {
		t.Errorf("stats %+v", r2.Stats)
	}
	if _, ok := customers(r2)["C00000002"]; ok {
		t.Error("customer without evidence in Customers")
	}
	want := "id_type=email id_value=b@x.com customer_id=C00000002 first_seen=2024-01-02T00:00:00Z last_seen=2024-01-02T00:00:00Z records=0"
	if !slices.Contains(rows(r2.IdentityMap), want) {
		t.Errorf("carried row missing: %v", rows(r2.IdentityMap))
	}
	// b comes back: it gets its old id
	ev3 := batch(t, a, b, c)
	defer ev3.Release()
	r3 := stitch(t, []arrow.RecordBatch{ev3}, r2.IdentityMap, Config{}, "r3")
	if as := assignments(r3); as["b"] != "C00000002" || as["c"] != "C00000003" || len(changes(r3)) != 0 {
		t.Errorf("run 3: %v %v", as, changes(r3))
	}
}

func TestStatsBatch(t *testing.T) {
	ev := batch(t, rec{key: "1", phone: "13900000001"}, rec{key: "2", phone: "abc"})
	defer ev.Release()
	res := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
	rs := rows(res.StatsBatch)
	for _, want := range []string{"metric=records id_type=null value=2", "metric=invalid id_type=phone value=1", "metric=customers id_type=null value=1", "metric=new_ids id_type=null value=1"} {
		if !slices.Contains(rs, want) {
			t.Errorf("missing %q in %v", want, rs)
		}
	}
}

// TestSyntheticQuality stitches generated data with known truth, junk
// included, and checks pairwise precision and recall; a second run on the
// same data with the first run's map changes nothing.
func TestSyntheticQuality(t *testing.T) {
	n := 50000
	if testing.Short() {
		n = 10000
	}
	syn := GenerateSynthetic(SynthOptions{Persons: n, Seed: 11, Truth: true})
	defer syn.Release()
	r1 := stitch(t, syn.Evidence, nil, syn.Config, "r1")
	sc, err := Evaluate(syn.Truth, r1.IdentityMap, "CN")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("persons %d records %d: %+v", n, r1.Stats.Records, sc)
	t.Logf("blocked %d %v, invalid %v", r1.Stats.Blocked, r1.Stats.BlockedByReason, r1.Stats.Invalid)
	if sc.Precision < 0.995 || sc.Recall < 0.99 {
		t.Errorf("precision %.4f recall %.4f", sc.Precision, sc.Recall)
	}
	// the shared junk values must not be in the identity map
	im := idMap(r1)
	for _, j := range []string{"phone:" + synJunkPhone, "email:" + synJunkEmail, "phone:" + synService} {
		typ, raw, _ := strings.Cut(j, ":")
		v, _ := Normalize(typ, raw, "CN")
		if c, in := im[typ+":"+v]; in {
			t.Errorf("junk %s linked to %s", j, c)
		}
	}
	r2 := stitch(t, syn.Evidence, r1.IdentityMap, syn.Config, "r2")
	if r2.Stats.NewIDs != 0 || r2.Stats.Merges != 0 || r2.Stats.Splits != 0 || !reflect.DeepEqual(idMap(r1), idMap(r2)) {
		t.Errorf("second run changed ids: %+v", r2.Stats)
	}
}

func TestEmptyAndPriorOnly(t *testing.T) {
	res := stitch(t, nil, nil, Config{}, "r0")
	if res.Stats.Customers != 0 || len(res.IdentityMap) != 1 || res.IdentityMap[0].NumRows() != 0 || len(res.Customers) != 1 {
		t.Errorf("empty: %+v", res.Stats)
	}
	ev := batch(t, rec{key: "1", ts: "2024-01-01", card: "M1"})
	defer ev.Release()
	r1 := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
	r2 := stitch(t, nil, r1.IdentityMap, Config{}, "r2")
	if im := idMap(r2); im["member_card:M1"] != "C00000001" || r2.Stats.CarriedForward != 1 || r2.Stats.Retired != 1 {
		t.Errorf("prior only: %v %+v", im, r2.Stats)
	}
}

func TestOtherArrowTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	// dictionary-encoded channel, large_string phone, timestamp in ms
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	db := array.NewDictionaryBuilder(mem, dictType).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	lb := array.NewLargeStringBuilder(mem)
	defer lb.Release()
	tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"})
	defer tb.Release()
	kb := array.NewStringBuilder(mem)
	defer kb.Release()
	for i, p := range []string{"13900000001", "+86 139 0000 0001", "13900000002"} {
		kb.Append(fmt.Sprint(i))
		lb.Append(p)
		_ = db.AppendString([]string{"pos", "tmall", "pos"}[i])
		tb.Append(arrow.Timestamp(int64(1704067200000 + i*86400000))) // 2024-01-01 + i days
	}
	kb2 := array.NewStringBuilder(mem)
	defer kb2.Release()
	for i := 0; i < 3; i++ {
		kb2.Append("t")
	}
	cols := []arrow.Array{kb2.NewArray(), kb.NewArray(), tb.NewArray(), db.NewArray(), lb.NewArray()}
	for _, c := range cols {
		defer c.Release()
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "rec_table", Type: arrow.BinaryTypes.String},
		{Name: "rec_key", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "channel", Type: dictType},
		{Name: "phone", Type: arrow.BinaryTypes.LargeString},
	}, nil)
	rb := array.NewRecordBatch(schema, cols, 3)
	defer rb.Release()
	res := stitch(t, []arrow.RecordBatch{rb}, nil, Config{}, "r1")
	if a := assignments(res); a["0"] != "C00000001" || a["1"] != "C00000001" || a["2"] != "C00000002" {
		t.Errorf("assignments = %v", a)
	}
	c := customers(res)["C00000001"]
	if c["first_seen"] != "2024-01-01T00:00:00Z" || c["last_seen"] != "2024-01-02T00:00:00Z" || c["first_channel"] != "pos" || c["phone_source"] != "tmall" {
		t.Errorf("customer = %v", c)
	}
}

func TestNoLeaks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	syn := GenerateSynthetic(SynthOptions{Persons: 500, Seed: 9, Alloc: mem, BatchRows: 700})
	cfg := syn.Config
	cfg.Alloc = mem
	r1, err := Stitch(syn.Evidence, nil, cfg, "r1")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Stitch(syn.Evidence, r1.IdentityMap, cfg, "r2")
	if err != nil {
		t.Fatal(err)
	}
	r1.Release()
	r2.Release()
	syn.Release()
	mem.AssertSize(t, 0)
}

// TestGoldenRecordIndependentOfInputOrder: ties of the golden record (two
// records of the same source at the same instant with different names,
// phones and regions; the first-seen record) are broken by rec_key, and
// two home stores with the same count and last visit by the smaller store
// id, so the customer is the same whichever order the evidence rows come in.
func TestGoldenRecordIndependentOfInputOrder(t *testing.T) {
	rs := []rec{
		{key: "pos:1", ts: "2024-05-01", source: "pos", card: "M9", name: "Li Na", phone: "13800000001", region: "华东", store: "S1"},
		{key: "pos:2", ts: "2024-05-01", source: "pos", card: "M9", name: "Li Nana", phone: "13800000002", region: "华南", store: "S2"},
	}
	var got []map[string]string
	for _, order := range [][]rec{{rs[0], rs[1]}, {rs[1], rs[0]}} {
		ev := batch(t, order...)
		res := stitch(t, []arrow.RecordBatch{ev}, nil, Config{}, "r1")
		got = append(got, customers(res)["C00000001"])
		ev.Release()
	}
	if !reflect.DeepEqual(got[0], got[1]) {
		t.Fatalf("golden record depends on input order:\n%v\n%v", got[0], got[1])
	}
	// The later rec_key wins every record tie; the smaller store id the home store tie.
	for k, want := range map[string]string{"name": "Li Nana", "region": "华南", "home_store": "S1"} {
		if got[0][k] != want {
			t.Errorf("%s = %q, want %q (%v)", k, got[0][k], want, got[0])
		}
	}
}
