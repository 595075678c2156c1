package lifecycle

import (
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// stagesAt runs Compute for one date (prev = same date) and returns the
// pyramid stage per customer.
func stagesAt(t *testing.T, pop population, loc *time.Location, day string, p Params) map[string]Stage {
	t.Helper()
	d := parseLocal(t, loc, day)
	p.Location = loc
	res, err := Compute(pop.inputs(t, loc), d, d, p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Stage{}
	for _, c := range res.Customers {
		out[c.CustomerID] = c.Pyramid
		if c.Prev != c.Pyramid {
			t.Errorf("%s: same date gave %s and %s", c.CustomerID, c.Prev, c.Pyramid)
		}
	}
	return out
}

// TestParams checks the config knobs one at a time (UTC, as of 2024-06-30,
// windows end 2024-07-01 00:00).
func TestParams(t *testing.T) {
	def := DefaultParams()
	with := func(f func(*Params)) Params { p := def; f(&p); return p }
	cases := []struct {
		name string
		p    Params
		pop  population
		want map[string]Stage
	}{
		{
			name: "loyal needs LoyalMinDays=3 distinct days",
			p:    with(func(p *Params) { p.LoyalMinDays = 3 }),
			pop: population{orders: []ord{
				{"two", "2024-06-01 10:00", "pos"}, {"two", "2024-06-10 10:00", "pos"}, {"two", "2024-06-10 18:00", "pos"},
				{"three", "2024-06-01 10:00", "pos"}, {"three", "2024-06-10 10:00", "pos"}, {"three", "2024-06-20 10:00", "pos"},
			}},
			want: map[string]Stage{"two": Repeat, "three": Loyal},
		},
		{
			name: "LoyalMinDays=1 makes every buyer loyal",
			p:    with(func(p *Params) { p.LoyalMinDays = 1 }),
			pop:  population{orders: []ord{{"one", "2024-06-01 10:00", "pos"}}},
			want: map[string]Stage{"one": Loyal},
		},
		{
			name: "advocate needs AdvocateShares=2 shares",
			p:    with(func(p *Params) { p.AdvocateShares = 2 }),
			pop: population{
				orders: []ord{{"s1", "2024-06-01 10:00", "pos"}, {"s2", "2024-06-01 10:00", "pos"}, {"s0", "2024-06-01 10:00", "pos"}},
				acts: []act{
					{"s1", "2024-06-02 10:00", "share", "wechat"},
					{"s2", "2024-06-02 10:00", "share", "wechat"}, {"s2", "2024-06-03 10:00", "share", "wechat"},
					{"s0", "2024-03-01 10:00", "share", "wechat"}, {"s0", "2024-06-03 10:00", "share", "wechat"}, // one share before 2024-04-02
					{"nobuy", "2024-06-02 10:00", "share", "wechat"}, {"nobuy", "2024-06-03 10:00", "share", "wechat"},
				},
			},
			want: map[string]Stage{"s1": FirstPurchase, "s2": Advocate, "s0": FirstPurchase, "nobuy": Interested},
		},
		{
			name: "AwareDays=7 is 2024-06-24 .. 2024-06-30",
			p:    with(func(p *Params) { p.AwareDays = 7 }),
			pop: population{
				acts:     []act{{"v23", "2024-06-23 23:59:59", "view", "wechat"}, {"v24", "2024-06-24 00:00", "view", "wechat"}},
				contacts: []con{{"k23", "2024-06-23 12:00", "sms"}, {"k30", "2024-06-30 23:59:59", "sms"}, {"k01", "2024-07-01 00:00", "sms"}},
			},
			want: map[string]Stage{"v24": Aware, "k30": Aware},
		},
		{
			name: "InterestDays=30 is 2024-06-01 .. 2024-06-30",
			p:    with(func(p *Params) { p.InterestDays = 30 }),
			pop: population{
				acts:    []act{{"c31", "2024-05-31 12:00", "comment", "wechat"}, {"c01", "2024-06-01 12:00", "CLICK", "wechat"}},
				follows: []fol{{"f31", "2024-05-31 12:00", "2024-06-05 00:00", "wechat"}, {"f01", "2024-06-01 00:00", "2024-06-05 00:00", "wechat"}},
			},
			want: map[string]Stage{"c01": Interested, "f01": Interested},
		},
		{
			name: "PurchaseDays=30: repeat when an earlier purchase is outside the window",
			p:    with(func(p *Params) { p.PurchaseDays = 30 }),
			pop: population{orders: []ord{
				{"old", "2024-05-31 12:00", "pos"},
				{"back", "2024-01-01 12:00", "pos"}, {"back", "2024-06-01 00:00", "pos"},
				{"first", "2024-06-01 00:00", "pos"},
			}},
			want: map[string]Stage{"back": Repeat, "first": FirstPurchase},
		},
		{
			name: "follows: re-followed after an unfollow, NULL followed_ts, future follow",
			p:    def,
			pop: population{follows: []fol{
				{"refollow", "2024-01-01 00:00", "2023-06-01 00:00", "wechat"}, // unfollow older than the follow: follows now
				{"nulldate", "", "", "wechat"},
				{"future", "2024-07-01 00:00", "", "wechat"},
				{"two", "2020-01-01 00:00", "2021-01-01 00:00", "wechat"}, {"two", "2020-01-01 00:00", "", "weibo"}, // one of two accounts still follows
				{"gone", "2020-01-01 00:00", "2024-06-30 23:59", "wechat"},
			}},
			want: map[string]Stage{"refollow": Interested, "two": Interested},
		},
		{
			name: "highest stage wins",
			p:    def,
			pop: population{
				orders:   []ord{{"all", "2024-06-01 00:00", "pos"}},
				acts:     []act{{"all", "2024-06-02 00:00", "view", "wechat"}, {"all", "2024-06-02 00:00", "like", "wechat"}},
				contacts: []con{{"all", "2024-06-02 00:00", "sms"}, {"ai", "2024-06-02 00:00", "sms"}},
				follows:  []fol{{"ai", "2024-06-02 00:00", "", "wechat"}},
			},
			want: map[string]Stage{"all": FirstPurchase, "ai": Interested},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := stagesAt(t, tc.pop, time.UTC, "2024-06-30", tc.p)
			if len(got) != len(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for id, w := range tc.want {
				if got[id] != w {
					t.Errorf("%s: got %q, want %q", id, got[id], w)
				}
			}
		})
	}
}

// TestDaylightSaving checks that purchase days are local calendar days in a
// zone with 23- and 25-hour days (America/New_York: 2024-03-10, 2024-11-03).
func TestDaylightSaving(t *testing.T) {
	loc := mustLoc(t, "America/New_York")
	pop := population{orders: []ord{
		{"mar_same", "2024-03-10 00:30", "pos"}, {"mar_same", "2024-03-10 23:30", "pos"}, // one day (05:30Z and 03:30Z next UTC day)
		{"mar_two", "2024-03-09 23:30", "pos"}, {"mar_two", "2024-03-10 00:30", "pos"},
		{"nov_same", "2024-11-03 00:30", "pos"}, {"nov_same", "2024-11-03 23:30", "pos"},
		{"nov_two", "2024-11-02 23:30", "pos"}, {"nov_two", "2024-11-03 00:30", "pos"},
		{"late", "2024-12-01 00:00", "pos"}, // after the as-of day
	}}
	got := stagesAt(t, pop, loc, "2024-11-30", DefaultParams())
	want := map[string]Stage{"mar_same": FirstPurchase, "mar_two": Loyal, "nov_same": FirstPurchase, "nov_two": Loyal}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: got %q, want %q", id, got[id], w)
		}
	}
	// as of the DST day itself: the window ends at 2024-03-11 00:00 EDT.
	got = stagesAt(t, population{orders: []ord{{"x", "2024-03-10 23:59:59", "pos"}, {"y", "2024-03-11 00:00", "pos"}}}, loc, "2024-03-10", DefaultParams())
	if len(got) != 1 || got["x"] != FirstPurchase {
		t.Errorf("as of 2024-03-10: %v", got)
	}
}

func TestPrevMonth(t *testing.T) {
	loc := mustLoc(t, "Asia/Shanghai")
	for _, c := range [][2]string{
		{"2024-06-30", "2024-05-30"},
		{"2024-03-31", "2024-02-29"},
		{"2023-03-31", "2023-02-28"},
		{"2024-01-15", "2023-12-15"},
		{"2024-05-31", "2024-04-30"},
		{"2024-02-29", "2024-01-29"},
	} {
		got := PrevMonth(parseLocal(t, loc, c[0]))
		if got.Format(time.DateOnly) != c[1] || got.Location() != loc || got.Hour() != 0 {
			t.Errorf("PrevMonth(%s) = %s, want %s", c[0], got, c[1])
		}
	}
}

func TestErrors(t *testing.T) {
	loc := time.UTC
	d := parseLocal(t, loc, "2024-06-30")
	good := population{}.inputs(t, loc)
	if _, err := Compute(good, d, d.AddDate(0, 0, 1), DefaultParams()); err == nil {
		t.Error("previous date after as-of: no error")
	}
	bad := DefaultParams()
	bad.LoyalMinDays = 0
	if _, err := Compute(good, d, d, bad); err == nil {
		t.Error("loyal_min_days 0: no error")
	}
	// missing order_ts
	s := arrow.NewSchema([]arrow.Field{field("customer_id", arrow.BinaryTypes.String)}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	b.Field(0).(*array.StringBuilder).Append("x")
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()
	if _, err := Compute(Inputs{Orders: []arrow.RecordBatch{rec}}, d, d, DefaultParams()); !errors.Is(err, ErrBadColumn) {
		t.Errorf("missing order_ts: %v", err)
	}
	// customer_id of the wrong type
	s = arrow.NewSchema([]arrow.Field{field("customer_id", arrow.PrimitiveTypes.Int64), field("contacted_ts", tsType)}, nil)
	b = array.NewRecordBuilder(memory.DefaultAllocator, s)
	b.Field(0).(*array.Int64Builder).Append(1)
	b.Field(1).(*array.TimestampBuilder).Append(0)
	rec2 := b.NewRecordBatch()
	b.Release()
	defer rec2.Release()
	if _, err := Compute(Inputs{Contacts: []arrow.RecordBatch{rec2}}, d, d, DefaultParams()); !errors.Is(err, ErrBadColumn) {
		t.Errorf("int customer_id: %v", err)
	}
	// empty inputs: zero grid, "all" channel only
	res, err := Compute(Inputs{}, d, d.AddDate(0, -1, 0), DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Customers) != 0 || len(res.Counts) != 5+7 || len(res.Flows) != 24+48 {
		t.Errorf("empty: %d customers, %d counts, %d flows", len(res.Customers), len(res.Counts), len(res.Flows))
	}
	for _, f := range res.Flows {
		if f.Customers != 0 || f.HasRate {
			t.Errorf("empty flow %+v", f)
		}
	}
}
