package lifecycle

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// refStage is a deliberately plain re-statement of the rules (time.Time
// comparisons, local dates as strings, sets), used to check Compute on a
// random population large enough to use several partitions and workers.
func refStage(pop population, loc *time.Location, d time.Time, p Params, t *testing.T) map[string]struct {
	s  Stage
	ch string
} {
	y, m, dd := d.Date()
	end := time.Date(y, m, dd+1, 0, 0, 0, 0, loc)
	start := func(n int) time.Time { return time.Date(y, m, dd+1-n, 0, 0, 0, 0, loc) }
	in := func(ts time.Time, n int) bool { return !ts.Before(start(n)) && ts.Before(end) }
	type person struct {
		bought, interested, aware bool
		winDays, allDays          map[string]bool
		shares                    int
		pT, oT                    time.Time
		pCh, oCh                  string
		hasP, hasO                bool
	}
	people := map[string]*person{}
	get := func(id string) *person {
		if people[id] == nil {
			people[id] = &person{winDays: map[string]bool{}, allDays: map[string]bool{}}
		}
		return people[id]
	}
	chName := func(c string) string {
		if c == "" {
			return ChannelUnknown
		}
		return c
	}
	other := func(pp *person, ts time.Time, ch string) {
		ch = chName(ch)
		if !pp.hasO || ts.After(pp.oT) || (ts.Equal(pp.oT) && ch > pp.oCh) {
			pp.oT, pp.oCh, pp.hasO = ts, ch, true
		}
	}
	for _, o := range pop.orders {
		ts := parseLocal(t, loc, o.ts)
		if o.cust == "" || !ts.Before(end) {
			continue
		}
		pp := get(o.cust)
		day := ts.In(loc).Format(time.DateOnly)
		pp.allDays[day] = true
		if in(ts, p.PurchaseDays) {
			pp.bought = true
			pp.winDays[day] = true
		}
		ch := chName(o.ch)
		if !pp.hasP || ts.After(pp.pT) || (ts.Equal(pp.pT) && ch > pp.pCh) {
			pp.pT, pp.pCh, pp.hasP = ts, ch, true
		}
	}
	for _, a := range pop.acts {
		ts := parseLocal(t, loc, a.ts)
		if a.cust == "" || !ts.Before(end) {
			continue
		}
		switch a.action {
		case "view":
			if in(ts, p.AwareDays) {
				get(a.cust).aware = true
			}
		case "like", "comment", "click", "share":
			if in(ts, p.InterestDays) {
				get(a.cust).interested = true
				if a.action == "share" {
					get(a.cust).shares++
				}
			}
		default:
			continue
		}
		other(get(a.cust), ts, a.ch)
	}
	for _, f := range pop.follows {
		if f.cust == "" || f.from == "" {
			continue
		}
		from := parseLocal(t, loc, f.from)
		if !from.Before(end) {
			continue
		}
		pp := get(f.cust)
		if in(from, p.InterestDays) {
			pp.interested = true
		}
		if f.to == "" {
			pp.interested = true
		} else if to := parseLocal(t, loc, f.to); !to.Before(end) || to.Before(from) {
			pp.interested = true
		}
		other(pp, from, f.ch)
	}
	for _, c := range pop.contacts {
		ts := parseLocal(t, loc, c.ts)
		if c.cust == "" || !ts.Before(end) {
			continue
		}
		if in(ts, p.AwareDays) {
			get(c.cust).aware = true
		}
		other(get(c.cust), ts, c.ch)
	}
	out := map[string]struct {
		s  Stage
		ch string
	}{}
	for id, pp := range people {
		var s Stage
		switch {
		case pp.bought && pp.shares >= p.AdvocateShares:
			s = Advocate
		case pp.bought && len(pp.winDays) >= p.LoyalMinDays:
			s = Loyal
		case pp.bought && len(pp.allDays) >= 2:
			s = Repeat
		case pp.bought:
			s = FirstPurchase
		case pp.interested:
			s = Interested
		case pp.aware:
			s = Aware
		default:
			continue
		}
		ch := pp.oCh
		if pp.hasP {
			ch = pp.pCh
		}
		out[id] = struct {
			s  Stage
			ch string
		}{s, ch}
	}
	return out
}

func randomPopulation(r *rand.Rand, loc *time.Location, customers int) population {
	lo := time.Date(2022, 1, 1, 0, 0, 0, 0, loc).Unix()
	hi := time.Date(2024, 8, 1, 0, 0, 0, 0, loc).Unix()
	ts := func() string { return time.Unix(lo+r.Int64N(hi-lo), 0).In(loc).Format("2006-01-02 15:04:05") }
	id := func() string {
		n := r.IntN(customers)
		if n%7 == 0 {
			return fmt.Sprintf("customer-with-a-long-id-%d", n)
		}
		return fmt.Sprint("u", n)
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var p population
	for range 2 * customers {
		c := id()
		if r.IntN(20) == 0 {
			c = ""
		}
		p.orders = append(p.orders, ord{c, ts(), pick("tmall", "jd", "shopify", "pos", "")})
	}
	for range 3 * customers {
		p.acts = append(p.acts, act{id(), ts(), pick("view", "like", "comment", "share", "click", "bookmark"), pick("wechat", "weibo", "")})
	}
	for range customers / 2 {
		f := fol{id(), ts(), "", pick("wechat", "weibo")}
		switch r.IntN(4) {
		case 0:
			f.to = ts() // before or after the follow
		case 1:
			f.from = ""
		}
		p.follows = append(p.follows, f)
	}
	for range customers {
		p.contacts = append(p.contacts, con{id(), ts(), pick("sms", "email")})
	}
	return p
}

func TestAgainstReference(t *testing.T) {
	loc := mustLoc(t, "Asia/Shanghai")
	r := rand.New(rand.NewPCG(11, 12))
	pop := randomPopulation(r, loc, 20000)
	for _, p := range []Params{
		DefaultParams(),
		{AwareDays: 30, InterestDays: 60, PurchaseDays: 180, LoyalMinDays: 3, AdvocateShares: 2},
	} {
		p.Location = loc
		d2, d1 := parseLocal(t, loc, "2024-06-30"), parseLocal(t, loc, "2024-03-31")
		in := pop.inputs(t, loc)
		res, err := Compute(in, d2, d1, p)
		if err != nil {
			t.Fatal(err)
		}
		want2 := refStage(pop, loc, d2, p, t)
		want1 := refStage(pop, loc, d1, p, t)
		if len(res.Customers) != len(want2) {
			t.Errorf("%d staged, reference %d", len(res.Customers), len(want2))
		}
		bad := 0
		var flows [numStages][numStages]int64
		for _, c := range res.Customers {
			w := want2[c.CustomerID]
			if c.Pyramid != w.s || c.Channel != w.ch || c.Prev != want1[c.CustomerID].s {
				if bad++; bad < 10 {
					t.Errorf("%s: got %s/%s prev %s, reference %s/%s prev %s", c.CustomerID, c.Pyramid, c.Channel, c.Prev, w.s, w.ch, want1[c.CustomerID].s)
				}
			}
		}
		for id, w := range want1 {
			flows[w.s][want2[id].s]++
		}
		for id, w := range want2 {
			if _, ok := want1[id]; !ok {
				flows[0][w.s]++
			}
		}
		for _, f := range res.Flows {
			if f.View != ViewPyramid {
				continue
			}
			a, b := stageIndex(f.From), stageIndex(f.To)
			if f.Customers != flows[a][b] {
				t.Errorf("flow %s -> %s: %d, reference %d", f.From, f.To, f.Customers, flows[a][b])
			}
		}
		var anon int64
		for _, o := range pop.orders {
			if ts := parseLocal(t, loc, o.ts); o.cust == "" && !ts.Before(time.Date(2024, 7, 1, 0, 0, 0, 0, loc).AddDate(0, 0, -p.PurchaseDays)) && ts.Before(time.Date(2024, 7, 1, 0, 0, 0, 0, loc)) {
				anon++
			}
		}
		if res.AnonymousOrders != anon {
			t.Errorf("anonymous %d, reference %d", res.AnonymousOrders, anon)
		}
		t.Logf("params %+v: %d staged of %d known, %d events", p, len(res.Customers), res.KnownCustomers, res.Events)
	}
}

func stageIndex(name string) int {
	for i, n := range pyramidNames {
		if n == name && i > 0 {
			return i
		}
	}
	return 0 // new, lost
}
