package metrics

import (
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultCampaignWindowDays is the conversion window when
// CampaignOptions.WindowDays is 0.
const DefaultCampaignWindowDays = 30

// CampaignOptions configures CampaignEffect.
type CampaignOptions struct {
	Common
	// WindowDays is the conversion window after each customer's contact
	// (0: 30): a purchase in [contact, contact + WindowDays days) converts.
	WindowDays int
}

// CampaignStats is what CampaignEffect counted besides its rows.
type CampaignStats struct {
	OrderStats
	// Contacts is the number of contact rows read; UnresolvedContacts have
	// no customer; LaterContacts are after the as-of day; BadGroupContacts
	// have a group other than target or control; UndatedContacts have no
	// time and no campaign start date to fall back on.
	Contacts, UnresolvedContacts, LaterContacts, BadGroupContacts, UndatedContacts int64
	// Campaigns is the number of campaign rows; WithoutControl of them
	// have no usable control group.
	Campaigns, WithoutControl int64
}

// CampaignSchema is the schema of the campaign_effect mart: one row per
// campaign started by the as-of date (or seen in contacts), period = month
// of its start.
//
// The groups are the distinct identified customers listed as target or as
// control for the campaign (a customer listed in both is kept in the
// target group only and counted in in_both_groups); contacts without a
// customer are counted in unresolved_contacts. Each customer's window
// starts at their earliest contact (the campaign's start date when the
// contact has no time) and lasts window_days days; a buyer has a purchase
// (any channel) in it, revenue is the net sales of those purchases.
// uplift = target_rate - control_rate with a 95% interval (Newcombe's
// hybrid score interval for a difference of proportions);
// revenue_uplift is the difference of revenue per contacted customer with
// a 95% normal (Welch) interval; incremental_buyers = uplift ×
// target_customers, incremental_revenue = revenue_uplift ×
// target_customers, cost_per_incremental_buyer = spend /
// incremental_buyers (NULL unless both are above zero). Without a control
// group the uplift columns are NULL and note says why. window_complete is
// false while some contact's window runs past the as-of date.
var CampaignSchema = arrow.NewSchema([]arrow.Field{
	field("as_of", tDate), field("period", tString), field("campaign_id", tString), field("campaign_name", tString),
	field("channel", tString), field("start_date", tDate), field("end_date", tDate), field("spend", tFloat), field("window_days", tInt),
	field("target_customers", tInt), field("control_customers", tInt), field("target_buyers", tInt), field("control_buyers", tInt),
	field("target_rate", tFloat), field("control_rate", tFloat), field("uplift", tFloat), field("uplift_low", tFloat), field("uplift_high", tFloat),
	field("target_revenue", tFloat), field("control_revenue", tFloat), field("revenue_per_target", tFloat), field("revenue_per_control", tFloat),
	field("revenue_uplift", tFloat), field("revenue_uplift_low", tFloat), field("revenue_uplift_high", tFloat),
	field("incremental_buyers", tFloat), field("incremental_revenue", tFloat), field("cost_per_incremental_buyer", tFloat),
	field("unresolved_contacts", tInt), field("in_both_groups", tInt), field("window_complete", tBool), field("note", tString),
}, nil)

type campaignInfo struct {
	id, name, channel  string
	startDay, endDay   int32 // civil days; math.MinInt32 unknown
	spend              float64
	inMaster           bool
	control, target    int64 // contact rows per group (any customer)
	unresolved, both   int64
	maxContact         int64
	hasContact         bool
	firstContactUS     int64
	t, c               meanVar // revenue per member
	tBuyers, cBuyers   int64
	tRevenue, cRevenue float64
}

// CampaignEffect measures each campaign against its control group from
// campaigns (campaign_id, campaign_name, channel, start_date, end_date,
// spend), campaign_contacts (campaign_id, contact_group, contacted_ts,
// customer_id) and orders (OrderColumns). The caller releases the returned
// batches, which have CampaignSchema.
func CampaignEffect(campaigns, contacts, orders []arrow.RecordBatch, opt CampaignOptions) ([]arrow.RecordBatch, CampaignStats, error) {
	var st CampaignStats
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, st, err
	}
	win := opt.WindowDays
	if win <= 0 {
		win = DefaultCampaignWindowDays
	}
	winUS := int64(win) * usPerDay
	d := newDims(numRows(orders) + numRows(contacts))
	ids := newInterner(64)
	var camps []*campaignInfo
	camp := func(id string) *campaignInfo {
		n := ids.len()
		k := ids.id(id)
		if int(k) == n {
			camps = append(camps, &campaignInfo{id: ids.name(k), startDay: math.MinInt32, endDay: math.MinInt32, spend: math.NaN()})
		}
		return camps[k]
	}
	for bi, rec := range campaigns {
		t := table{name: "campaigns", rec: rec}
		id, err := t.str("campaign_id", true)
		if err != nil {
			return nil, st, wrapBatch("campaigns", bi, err)
		}
		name, _ := t.str("campaign_name", false)
		ch, _ := t.str("channel", false)
		sd, err := t.ts("start_date", false, cal)
		if err != nil {
			return nil, st, wrapBatch("campaigns", bi, err)
		}
		ed, err := t.ts("end_date", false, cal)
		if err != nil {
			return nil, st, wrapBatch("campaigns", bi, err)
		}
		spend, err := t.num("spend", false)
		if err != nil {
			return nil, st, wrapBatch("campaigns", bi, err)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			if !id.valid(i) {
				continue
			}
			c := camp(id.at(i))
			if c.inMaster {
				continue
			}
			c.inMaster = true
			c.name, c.channel = clone(name.at(i)), clone(ch.at(i))
			if sd.valid(i) {
				c.startDay = cal.Day(sd.at(i))
			}
			if ed.valid(i) {
				c.endDay = cal.Day(ed.at(i))
			}
			c.spend = spend.at(i)
		}
	}
	// Contacts: kept rows with their campaign, group, time and the
	// position of their customer among the customer keys.
	var (
		cK      []int32
		cTarget []bool
		cUS     []int64
		cPos    []int32
	)
	custSrc := d.custKeys.source()
	for bi, rec := range contacts {
		t := table{name: "campaign_contacts", rec: rec}
		id, err := t.str("campaign_id", true)
		if err != nil {
			return nil, st, wrapBatch("campaign_contacts", bi, err)
		}
		grp, err := t.str("contact_group", true)
		if err != nil {
			return nil, st, wrapBatch("campaign_contacts", bi, err)
		}
		ts, err := t.ts("contacted_ts", false, cal)
		if err != nil {
			return nil, st, wrapBatch("campaign_contacts", bi, err)
		}
		cust, err := t.str("customer_id", true)
		if err != nil {
			return nil, st, wrapBatch("campaign_contacts", bi, err)
		}
		custSrc.batch(cust)
		prevID, prevK := "", int32(-1)
		for i := 0; i < int(rec.NumRows()); i++ {
			st.Contacts++
			pos := custSrc.add(0, "")
			if !id.valid(i) {
				st.BadGroupContacts++
				continue
			}
			g := grp.at(i)
			target := g == "target"
			if !target && g != "control" {
				g = strings.ToLower(strings.TrimSpace(g))
				target = g == "target"
				if !target && g != "control" {
					st.BadGroupContacts++
					continue
				}
			}
			if v := id.at(i); prevK < 0 || v != prevID {
				c := camp(v)
				k, _ := ids.find(c.id)
				prevID, prevK = v, k
			}
			c := camps[prevK]
			var us int64
			switch {
			case ts.valid(i):
				us = ts.at(i)
			case c.startDay != math.MinInt32:
				us = cal.dayStartUS(c.startDay)
			default:
				st.UndatedContacts++
				continue
			}
			if us >= cal.endUS {
				st.LaterContacts++
				continue
			}
			if target {
				c.target++
			} else {
				c.control++
			}
			if !c.hasContact || us < c.firstContactUS {
				c.firstContactUS = us
			}
			if !c.hasContact || us > c.maxContact {
				c.maxContact = us
			}
			c.hasContact = true
			cs := cust.at(i)
			if cs == "" {
				c.unresolved++
				st.UnresolvedContacts++
				continue
			}
			custSrc.put(pos, 0, cs)
			cK = append(cK, prevK)
			cTarget = append(cTarget, target)
			cUS = append(cUS, us)
			cPos = append(cPos, int32(pos))
		}
	}
	b, err := readOrders(orders, d, cal, opt.CancelledStatuses, false)
	if err != nil {
		return nil, st, err
	}
	st.OrderStats = b.stats
	cCust := make([]int32, len(cPos))
	for i, pos := range cPos {
		cCust[i] = custSrc.id(int(pos))
	}
	byCust := buildCSR(cCust, d.nCust())
	type member struct {
		k        int32
		tUS, cUS int64
		inT, inC bool
	}
	var mem []member
	for cu := int32(0); cu < int32(d.nCust()); cu++ {
		items := byCust.items(cu)
		if len(items) == 0 {
			continue
		}
		mem = mem[:0]
		for _, x := range items {
			j := -1
			for m := range mem {
				if mem[m].k == cK[x] {
					j = m
					break
				}
			}
			if j < 0 {
				mem = append(mem, member{k: cK[x]})
				j = len(mem) - 1
			}
			m := &mem[j]
			if cTarget[x] {
				if !m.inT || cUS[x] < m.tUS {
					m.tUS = cUS[x]
				}
				m.inT = true
			} else {
				if !m.inC || cUS[x] < m.cUS {
					m.cUS = cUS[x]
				}
				m.inC = true
			}
		}
		orders := b.byCust.items(cu)
		for _, m := range mem {
			c := camps[m.k]
			start := m.tUS
			if !m.inT {
				start = m.cUS
			} else if m.inC {
				c.both++
			}
			bought, rev := false, 0.0
			for j := b.firstAtOrAfter(orders, start); j < len(orders); j++ {
				o := orders[j]
				if b.ts[o] >= start+winUS {
					break
				}
				bought = true
				rev += b.net[o]
			}
			if m.inT {
				c.t.add(rev)
				c.tRevenue += rev
				if bought {
					c.tBuyers++
				}
			} else {
				c.c.add(rev)
				c.cRevenue += rev
				if bought {
					c.cBuyers++
				}
			}
		}
	}

	w := newWriter(CampaignSchema, opt.AsOf)
	for _, c := range camps {
		if c.inMaster && c.startDay != math.MinInt32 && c.startDay > cal.asOfDay && !c.hasContact {
			continue // not started yet
		}
		st.Campaigns++
		var notes []string
		if !c.inMaster {
			notes = append(notes, "campaign not in the campaigns table")
		}
		nT, nC := c.t.n, c.c.n
		noControl := ""
		switch {
		case c.control == 0:
			noControl = "no control group in campaign_contacts: uplift not estimated"
		case nC == 0:
			noControl = "control contacts match no customer: uplift not estimated"
		}
		if nT == 0 {
			notes = append(notes, "no identified target customers")
		}
		var up, upLo, upHi, rup, rLo, rHi float64 = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		incB, incR, cpib := math.NaN(), math.NaN(), math.NaN()
		if noControl != "" {
			st.WithoutControl++
			notes = append(notes, noControl)
		} else if nT > 0 {
			up, upLo, upHi = diffProportions(c.tBuyers, nT, c.cBuyers, nC)
			rup, rLo, rHi = diffMeans(c.t, c.c)
			incB, incR = up*float64(nT), rup*float64(nT)
			switch {
			case math.IsNaN(c.spend):
				notes = append(notes, "no spend recorded: cost per incremental buyer not computed")
			case incB <= 0:
				notes = append(notes, "no incremental buyers: cost per incremental buyer not defined")
			default:
				cpib = c.spend / incB
			}
		}
		period := c.startDay
		if period == math.MinInt32 && c.hasContact {
			period = cal.Day(c.firstContactUS)
		}
		complete := !c.hasContact || c.maxContact+winUS <= cal.endUS
		if !complete {
			notes = append(notes, "conversion window still open at the as-of date")
		}
		w.row()
		if period != math.MinInt32 {
			w.str(Period(monthOfDay(period)))
		} else {
			w.str("")
		}
		w.str(c.id)
		w.str(c.name)
		w.str(c.channel)
		dateOrNull(w, c.startDay)
		dateOrNull(w, c.endDay)
		w.f64(c.spend)
		w.i64(int64(win))
		w.i64(nT)
		w.i64(nC)
		w.i64(c.tBuyers)
		w.i64(c.cBuyers)
		w.f64(ratio(float64(c.tBuyers), float64(nT)))
		w.f64(ratio(float64(c.cBuyers), float64(nC)))
		w.f64(up)
		w.f64(upLo)
		w.f64(upHi)
		w.f64(c.tRevenue)
		w.f64(c.cRevenue)
		w.f64(ratio(c.tRevenue, float64(nT)))
		w.f64(ratio(c.cRevenue, float64(nC)))
		w.f64(rup)
		w.f64(rLo)
		w.f64(rHi)
		w.f64(incB)
		w.f64(incR)
		w.f64(cpib)
		w.i64(c.unresolved)
		w.i64(c.both)
		w.boolean(complete)
		w.str(strings.Join(notes, "; "))
	}
	return w.done(), st, nil
}

func dateOrNull(w *writer, day int32) {
	b := w.next()
	if day == math.MinInt32 {
		b.AppendNull()
		return
	}
	b.(interface{ Append(arrow.Date32) }).Append(arrow.Date32(day))
}
