package lifecycle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// The hand-built population. Business zone Asia/Shanghai (UTC+8), default
// params (aware 90, interest 90, purchase 365 days, loyal 2 days, advocate 1
// share). Dates:
//
//	D1 = 2024-05-30: aware/interest window [2024-03-02, 2024-05-31), purchase window [2023-06-01, 2024-05-31)
//	D2 = 2024-06-30: aware/interest window [2024-04-02, 2024-07-01), purchase window [2023-07-02, 2024-07-01)
//
// (2024-07-01 minus 90 days: 30 June days + 31 May days + 29 April days ->
// 2024-04-02; 2024-07-01 minus 365 days crosses 2024-02-29 -> 2023-07-02;
// 2024-05-31 minus 90 days: 30 + 30 + 30 -> 2024-03-02; minus 365 -> 2023-06-01.)
//
// Person by person (pyramid at D1 -> D2, channel at D2):
//
//	c01 target contact 05-10                          aware -> aware, sms
//	c02 view 06-15, NULL channel                      none -> aware (entry), unknown
//	c03 contact 03-10 (in D1 window, not D2)          aware -> none (loss)
//	c04 follows since 2023-01-01                      interested -> interested, wechat
//	c05 followed 2022, unfollowed 06-10, view 06-20   interested (follows at D1) -> aware (unfollowed), wechat
//	c06 view 05-01, like 06-05                        aware -> interested, weibo
//	c07 order 06-20 pos; order 07-01 00:10 local tmall (= 06-30 16:10 UTC, after D2: ignored)
//	                                                  none -> first_purchase, pos
//	c08 orders 2024-01-15 tmall, 06-18 jd             first_purchase -> loyal (2 days), jd
//	c09 orders 2022-12-01, 2024-02-10, pos            repeat -> repeat (one day in window, one before), pos
//	c10 orders 2023-06-10 tmall, 2023-12-01 jd        loyal (both in D1 window) -> repeat (06-10 left the window), jd
//	c11 share 03-05, order 06-01 shopify, share 06-02 interested -> advocate, shopify
//	c12 order 2023-06-05 pos                          first_purchase -> none (loss)
//	c13 order 2023-12-01, share 03-10, order 06-25    advocate -> loyal (share left the interest window), tmall
//	c14 orders 06-29 23:30 shopify, 06-30 00:30 pos   none -> loyal: two local days (both 06-29 in UTC), pos
//	c15 followed 06-01, unfollowed 06-15, weibo       none -> interested (followed in window)
//	c16 order 2023-06-20 pos, comment 06-01 wechat    first_purchase -> interested, pos (purchase channel wins)
//	c17 click 03-20                                   interested -> none (loss)
//	c18 view 07-05 (after D2), unknown action          none -> none: in no count
//	c19 order 2023-07-02 00:00:00 jd (first second of D2's window) first_purchase -> first_purchase, jd
//	c20 order 2023-07-01 23:59:59 tmall, view 06-01   first_purchase -> aware (purchase left the window), tmall
//	anonymous receipts: 2024-06-10 pos, 2024-05-01 pos, 2023-01-01 tmall (outside), 2024-07-02 pos (after D2)
func handPopulation() population {
	return population{
		orders: []ord{
			{"c07", "2024-06-20 14:00", "pos"},
			{"c07", "2024-07-01 00:10", "tmall"},
			{"c08", "2024-01-15 10:00", "tmall"},
			{"c08", "2024-06-18 10:00", "jd"},
			{"c09", "2022-12-01 10:00", "pos"},
			{"c09", "2024-02-10 10:00", "pos"},
			{"c10", "2023-06-10 10:00", "tmall"},
			{"c10", "2023-12-01 10:00", "jd"},
			{"c11", "2024-06-01 10:00", "shopify"},
			{"c12", "2023-06-05 10:00", "pos"},
			{"c13", "2023-12-01 10:00", "tmall"},
			{"c13", "2024-06-25 10:00", "tmall"},
			{"c14", "2024-06-29 23:30", "shopify"},
			{"c14", "2024-06-30 00:30", "pos"},
			{"c16", "2023-06-20 10:00", "pos"},
			{"c19", "2023-07-02 00:00:00", "jd"},
			{"c20", "2023-07-01 23:59:59", "tmall"},
			{"", "2024-06-10 12:00", "pos"},
			{"", "2024-05-01 12:00", "pos"},
			{"", "2023-01-01 12:00", "tmall"},
			{"", "2024-07-02 12:00", "pos"},
		},
		acts: []act{
			{"c02", "2024-06-15 12:00", "view", ""},
			{"c05", "2024-06-20 12:00", "view", "wechat"},
			{"c06", "2024-05-01 12:00", "view", "weibo"},
			{"c06", "2024-06-05 12:00", "like", "weibo"},
			{"c11", "2024-03-05 12:00", "share", "wechat"},
			{"c11", "2024-06-02 12:00", "share", "wechat"},
			{"c13", "2024-03-10 12:00", "share", "weibo"},
			{"c16", "2024-06-01 12:00", "comment", "wechat"},
			{"c17", "2024-03-20 12:00", "click", "wechat"},
			{"c18", "2024-07-05 12:00", "view", "wechat"},
			{"c18", "2024-06-05 12:00", "bookmark", "wechat"},
			{"c20", "2024-06-01 12:00", "view", "wechat"},
		},
		follows: []fol{
			{"c04", "2023-01-01 08:00", "", "wechat"},
			{"c05", "2022-06-01 08:00", "2024-06-10 08:00", "wechat"},
			{"c15", "2024-06-01 08:00", "2024-06-15 08:00", "weibo"},
		},
		contacts: []con{
			{"c01", "2024-05-10 10:00", "sms"},
			{"c03", "2024-03-10 09:00", "sms"},
		},
	}
}

func handDates(t testing.TB, loc *time.Location) (d2, d1 time.Time) {
	return parseLocal(t, loc, "2024-06-30"), parseLocal(t, loc, "2024-05-30")
}

// wantCustomers: pyramid stage at D1, at D2, channel at D2 (by hand, above).
var wantCustomers = map[string]struct {
	prev, cur Stage
	ch        string
}{
	"c01": {Aware, Aware, "sms"},
	"c02": {NoStage, Aware, "unknown"},
	"c04": {Interested, Interested, "wechat"},
	"c05": {Interested, Aware, "wechat"},
	"c06": {Aware, Interested, "weibo"},
	"c07": {NoStage, FirstPurchase, "pos"},
	"c08": {FirstPurchase, Loyal, "jd"},
	"c09": {Repeat, Repeat, "pos"},
	"c10": {Loyal, Repeat, "jd"},
	"c11": {Interested, Advocate, "shopify"},
	"c13": {Advocate, Loyal, "tmall"},
	"c14": {NoStage, Loyal, "pos"},
	"c15": {NoStage, Interested, "weibo"},
	"c16": {FirstPurchase, Interested, "pos"},
	"c19": {FirstPurchase, FirstPurchase, "jd"},
	"c20": {FirstPurchase, Aware, "tmall"},
}

// Counts at D2 per channel, by hand from the table above.
// AIPL: aware, interested, purchased, loyal, anonymous receipts in the
// purchase window.
var wantAIPLCounts = []struct {
	ch            string
	a, i, p, l, x int64
}{
	{"all", 4, 4, 4, 4, 2},
	{"jd", 0, 0, 2, 1, 0},      // c19 c10 | c08
	{"pos", 0, 1, 2, 1, 2},     // c16 | c07 c09 | c14 | 06-10, 05-01
	{"shopify", 0, 0, 0, 1, 0}, // c11
	{"sms", 1, 0, 0, 0, 0},     // c01
	{"tmall", 1, 0, 0, 1, 0},   // c20 | c13 (2023-01-01 receipt is outside the window)
	{"unknown", 1, 0, 0, 0, 0}, // c02
	{"wechat", 1, 1, 0, 0, 0},  // c05 | c04
	{"weibo", 0, 2, 0, 0, 0},   // c06 c15
}

// Pyramid: aware, interested, first_purchase, repeat, loyal, advocate,
// anonymous receipts.
var wantPyramidCounts = []struct {
	ch                  string
	a, i, f, r, l, v, x int64
}{
	{"all", 4, 4, 2, 2, 3, 1, 2},
	{"jd", 0, 0, 1, 1, 1, 0, 0},      // c19 | c10 | c08
	{"pos", 0, 1, 1, 1, 1, 0, 2},     // c16 | c07 | c09 | c14
	{"shopify", 0, 0, 0, 0, 0, 1, 0}, // c11
	{"sms", 1, 0, 0, 0, 0, 0, 0},
	{"tmall", 1, 0, 0, 0, 1, 0, 0}, // c20 | c13
	{"unknown", 1, 0, 0, 0, 0, 0, 0},
	{"wechat", 1, 1, 0, 0, 0, 0, 0},
	{"weibo", 0, 2, 0, 0, 0, 0, 0},
}

// nr marks a NULL rate.
var nr = math.NaN()

// wantFlows is every cell of both matrices. Previous-date sizes: pyramid
// aware 3 (c01 c03 c06), interested 4 (c04 c05 c11 c17), first_purchase 5
// (c08 c12 c16 c19 c20), repeat 1 (c09), loyal 1 (c10), advocate 1 (c13);
// AIPL A 3, I 4, P 6 (first_purchase + repeat), L 2 (loyal + advocate).
var wantFlows = []struct {
	view, from, to string
	n              int64
	rate           float64
}{
	{"aipl", "new", "aware", 1, nr},             // c02
	{"aipl", "new", "interested", 1, nr},        // c15
	{"aipl", "new", "purchased", 1, nr},         // c07
	{"aipl", "new", "loyal", 1, nr},             // c14
	{"aipl", "aware", "aware", 1, 1.0 / 3},      // c01
	{"aipl", "aware", "interested", 1, 1.0 / 3}, // c06
	{"aipl", "aware", "purchased", 0, 0},
	{"aipl", "aware", "loyal", 0, 0},
	{"aipl", "aware", "lost", 1, 1.0 / 3},            // c03
	{"aipl", "interested", "aware", 1, 1.0 / 4},      // c05
	{"aipl", "interested", "interested", 1, 1.0 / 4}, // c04
	{"aipl", "interested", "purchased", 0, 0},
	{"aipl", "interested", "loyal", 1, 1.0 / 4},     // c11
	{"aipl", "interested", "lost", 1, 1.0 / 4},      // c17
	{"aipl", "purchased", "aware", 1, 1.0 / 6},      // c20
	{"aipl", "purchased", "interested", 1, 1.0 / 6}, // c16
	{"aipl", "purchased", "purchased", 2, 2.0 / 6},  // c09 c19
	{"aipl", "purchased", "loyal", 1, 1.0 / 6},      // c08
	{"aipl", "purchased", "lost", 1, 1.0 / 6},       // c12
	{"aipl", "loyal", "aware", 0, 0},
	{"aipl", "loyal", "interested", 0, 0},
	{"aipl", "loyal", "purchased", 1, 1.0 / 2}, // c10
	{"aipl", "loyal", "loyal", 1, 1.0 / 2},     // c13
	{"aipl", "loyal", "lost", 0, 0},

	{"pyramid", "new", "aware", 1, nr},          // c02
	{"pyramid", "new", "interested", 1, nr},     // c15
	{"pyramid", "new", "first_purchase", 1, nr}, // c07
	{"pyramid", "new", "repeat", 0, nr},
	{"pyramid", "new", "loyal", 1, nr}, // c14
	{"pyramid", "new", "advocate", 0, nr},
	{"pyramid", "aware", "aware", 1, 1.0 / 3},      // c01
	{"pyramid", "aware", "interested", 1, 1.0 / 3}, // c06
	{"pyramid", "aware", "first_purchase", 0, 0},
	{"pyramid", "aware", "repeat", 0, 0},
	{"pyramid", "aware", "loyal", 0, 0},
	{"pyramid", "aware", "advocate", 0, 0},
	{"pyramid", "aware", "lost", 1, 1.0 / 3},            // c03
	{"pyramid", "interested", "aware", 1, 1.0 / 4},      // c05
	{"pyramid", "interested", "interested", 1, 1.0 / 4}, // c04
	{"pyramid", "interested", "first_purchase", 0, 0},
	{"pyramid", "interested", "repeat", 0, 0},
	{"pyramid", "interested", "loyal", 0, 0},
	{"pyramid", "interested", "advocate", 1, 1.0 / 4},           // c11
	{"pyramid", "interested", "lost", 1, 1.0 / 4},               // c17
	{"pyramid", "first_purchase", "aware", 1, 1.0 / 5},          // c20
	{"pyramid", "first_purchase", "interested", 1, 1.0 / 5},     // c16
	{"pyramid", "first_purchase", "first_purchase", 1, 1.0 / 5}, // c19
	{"pyramid", "first_purchase", "repeat", 0, 0},
	{"pyramid", "first_purchase", "loyal", 1, 1.0 / 5}, // c08
	{"pyramid", "first_purchase", "advocate", 0, 0},
	{"pyramid", "first_purchase", "lost", 1, 1.0 / 5}, // c12
	{"pyramid", "repeat", "aware", 0, 0},
	{"pyramid", "repeat", "interested", 0, 0},
	{"pyramid", "repeat", "first_purchase", 0, 0},
	{"pyramid", "repeat", "repeat", 1, 1}, // c09
	{"pyramid", "repeat", "loyal", 0, 0},
	{"pyramid", "repeat", "advocate", 0, 0},
	{"pyramid", "repeat", "lost", 0, 0},
	{"pyramid", "loyal", "aware", 0, 0},
	{"pyramid", "loyal", "interested", 0, 0},
	{"pyramid", "loyal", "first_purchase", 0, 0},
	{"pyramid", "loyal", "repeat", 1, 1}, // c10
	{"pyramid", "loyal", "loyal", 0, 0},
	{"pyramid", "loyal", "advocate", 0, 0},
	{"pyramid", "loyal", "lost", 0, 0},
	{"pyramid", "advocate", "aware", 0, 0},
	{"pyramid", "advocate", "interested", 0, 0},
	{"pyramid", "advocate", "first_purchase", 0, 0},
	{"pyramid", "advocate", "repeat", 0, 0},
	{"pyramid", "advocate", "loyal", 1, 1}, // c13
	{"pyramid", "advocate", "advocate", 0, 0},
	{"pyramid", "advocate", "lost", 0, 0},
}

func expectedCounts() []Count {
	var out []Count
	for _, w := range wantAIPLCounts {
		for i, v := range []int64{w.a, w.i, w.p, w.l, w.x} {
			out = append(out, Count{View: "aipl", Channel: w.ch, Stage: []string{"aware", "interested", "purchased", "loyal", "anonymous_orders"}[i], Customers: v})
		}
	}
	for _, w := range wantPyramidCounts {
		for i, v := range []int64{w.a, w.i, w.f, w.r, w.l, w.v, w.x} {
			out = append(out, Count{View: "pyramid", Channel: w.ch, Stage: []string{"aware", "interested", "first_purchase", "repeat", "loyal", "advocate", "anonymous_orders"}[i], Customers: v})
		}
	}
	return out
}

func checkHandResult(t *testing.T, res *Result) {
	t.Helper()
	// stages per customer
	got := map[string]CustomerStage{}
	for _, c := range res.Customers {
		if _, dup := got[c.CustomerID]; dup {
			t.Errorf("customer %s listed twice", c.CustomerID)
		}
		got[c.CustomerID] = c
	}
	if len(got) != len(wantCustomers) {
		t.Errorf("got %d staged customers, want %d", len(got), len(wantCustomers))
	}
	for id, w := range wantCustomers {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: no stage, want %s", id, w.cur)
			continue
		}
		if g.Pyramid != w.cur || g.Prev != w.prev || g.Channel != w.ch || g.AIPL != w.cur.AIPL() {
			t.Errorf("%s: got %s (aipl %s) prev %s channel %s, want %s prev %s channel %s", id, g.Pyramid, g.AIPL, g.Prev, g.Channel, w.cur, w.prev, w.ch)
		}
	}
	// every counts cell, in order
	want := expectedCounts()
	if len(res.Counts) != len(want) {
		t.Errorf("got %d count rows, want %d", len(res.Counts), len(want))
	}
	for i := range min(len(want), len(res.Counts)) {
		if res.Counts[i] != want[i] {
			t.Errorf("count row %d: got %+v, want %+v", i, res.Counts[i], want[i])
		}
	}
	if res.AnonymousOrders != 2 {
		t.Errorf("anonymous orders %d, want 2", res.AnonymousOrders)
	}
	// every flow cell, in order
	if len(res.Flows) != len(wantFlows) {
		t.Errorf("got %d flow rows, want %d", len(res.Flows), len(wantFlows))
	}
	for i := range min(len(wantFlows), len(res.Flows)) {
		g, w := res.Flows[i], wantFlows[i]
		okRate := (math.IsNaN(w.rate) && !g.HasRate) || (!math.IsNaN(w.rate) && g.HasRate && math.Abs(g.Rate-w.rate) < 1e-12)
		if g.View != w.view || g.From != w.from || g.To != w.to || g.Customers != w.n || !okRate {
			t.Errorf("flow row %d: got %+v, want %+v", i, g, w)
		}
	}
}

func TestHandPopulation(t *testing.T) {
	loc := mustLoc(t, "Asia/Shanghai")
	d2, d1 := handDates(t, loc)
	p := DefaultParams()
	p.Location = loc
	res, err := Compute(handPopulation().inputs(t, loc), d2, d1, p)
	if err != nil {
		t.Fatal(err)
	}
	checkHandResult(t, res)
	if !res.AsOf.Equal(d2) || !res.PrevAsOf.Equal(d1) {
		t.Errorf("dates %s %s", res.AsOf, res.PrevAsOf)
	}
	// c18's unknown action is ignored; c18's view after D2 is dropped.
	if res.Ignored != 1 {
		t.Errorf("ignored %d rows, want 1", res.Ignored)
	}
	// 20 customers c01..c20 minus c18 (only events after D2 or ignored)
	if res.KnownCustomers != 19 {
		t.Errorf("known customers %d, want 19", res.KnownCustomers)
	}
}

// TestHandPopulationShuffled feeds the same rows shuffled and split into
// many batches (several per table), with the tables' batch order mixed: the
// result must not change.
func TestHandPopulationShuffled(t *testing.T) {
	loc := mustLoc(t, "Asia/Shanghai")
	d2, d1 := handDates(t, loc)
	p := DefaultParams()
	p.Location = loc
	for seed := range uint64(5) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			pop := handPopulation()
			r.Shuffle(len(pop.orders), func(i, j int) { pop.orders[i], pop.orders[j] = pop.orders[j], pop.orders[i] })
			r.Shuffle(len(pop.acts), func(i, j int) { pop.acts[i], pop.acts[j] = pop.acts[j], pop.acts[i] })
			r.Shuffle(len(pop.contacts), func(i, j int) { pop.contacts[i], pop.contacts[j] = pop.contacts[j], pop.contacts[i] })
			var in Inputs
			for i := 0; i < len(pop.orders); i += 3 {
				in.Orders = append(in.Orders, ordersRec(t, loc, pop.orders[i:min(i+3, len(pop.orders))]))
			}
			for i := 0; i < len(pop.acts); i += 4 {
				in.Interactions = append(in.Interactions, actsRec(t, loc, pop.acts[i:min(i+4, len(pop.acts))]))
			}
			for _, f := range pop.follows {
				in.Follows = append(in.Follows, folsRec(t, loc, []fol{f}))
			}
			in.Contacts = []arrow.RecordBatch{consRec(t, loc, pop.contacts), consRec(t, loc, nil)}
			res, err := Compute(in, d2, d1, p)
			if err != nil {
				t.Fatal(err)
			}
			checkHandResult(t, res)
		})
	}
}

// TestRecords checks the Arrow batches written to the marts.
func TestRecords(t *testing.T) {
	loc := mustLoc(t, "Asia/Shanghai")
	d2, d1 := handDates(t, loc)
	p := DefaultParams()
	p.Location = loc
	res, err := Compute(handPopulation().inputs(t, loc), d2, d1, p)
	if err != nil {
		t.Fatal(err)
	}
	st := res.StageRecord(nil)
	defer st.Release()
	if st.NumRows() != 16 || !st.Schema().Equal(StageSchema) {
		t.Fatalf("stage batch: %d rows, schema %s", st.NumRows(), st.Schema())
	}
	// 2024-06-30 is day 19904 since 1970-01-01 (54 years of which 13 leap: 54*365+13 = 19723, + 181 days of 2024 before 06-30).
	dates := st.Column(0).(interface{ Value(int) arrow.Date32 })
	if dates.Value(0) != 19904 {
		t.Errorf("as_of %d, want 19904", dates.Value(0))
	}
	rows := map[string][3]string{}
	ids := st.Column(1).(interface{ Value(int) string })
	for i := range int(st.NumRows()) {
		rows[ids.Value(i)] = [3]string{
			st.Column(2).(interface{ Value(int) string }).Value(i),
			st.Column(3).(interface{ Value(int) string }).Value(i),
			st.Column(4).(interface{ Value(int) string }).Value(i),
		}
	}
	if rows["c11"] != [3]string{"loyal", "advocate", "shopify"} || rows["c07"] != [3]string{"purchased", "first_purchase", "pos"} {
		t.Errorf("rows c11 %v c07 %v", rows["c11"], rows["c07"])
	}
	ct := res.CountsRecord(nil)
	defer ct.Release()
	if ct.NumRows() != int64(len(expectedCounts())) || !ct.Schema().Equal(CountsSchema) {
		t.Errorf("counts batch: %d rows", ct.NumRows())
	}
	fl := res.FlowsRecord(nil)
	defer fl.Release()
	if fl.NumRows() != int64(len(wantFlows)) || !fl.Schema().Equal(FlowsSchema) {
		t.Fatalf("flows batch: %d rows", fl.NumRows())
	}
	prev := fl.Column(1).(interface{ Value(int) arrow.Date32 })
	if prev.Value(0) != 19873 { // 2024-05-30 = 19904 - 31
		t.Errorf("prev_as_of %d, want 19873", prev.Value(0))
	}
	rate := fl.Column(6)
	if !rate.IsNull(0) || rate.IsNull(4) { // row 0 new->aware, row 4 aware->aware
		t.Errorf("rate nulls: row0 %v row4 %v", rate.IsNull(0), rate.IsNull(4))
	}
}
