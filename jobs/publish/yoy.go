package publish

import (
	"sync"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// yoyKeys are the figures shown with the same period a year earlier:
// revenue, orders and customers. AOV is derived from net sales and orders.
var yoyKeys = []string{"net_sales", "orders", "store_sales", "online_sales", "active_customers", "new_customers"}

// yoyAsOf is the as-of day a year before asOf: the same day, except that a
// month end maps to the end of the same month (28 February 2025 compares
// with the whole of February 2024, 29 February 2024 with 28 February
// 2023), so the scorecard of that day shows the same kind of period.
func yoyAsOf(asOf time.Time) time.Time {
	loc := asOf.Location()
	y, m, d := asOf.Date()
	monthEnd := func(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, loc).Day() }
	if d == monthEnd(y, m) || d > monthEnd(y-1, m) {
		d = monthEnd(y-1, m)
	}
	return time.Date(y-1, m, d, 0, 0, 0, 0, loc)
}

// yoyFigures are the figures of the same period a year earlier.
type yoyFigures struct {
	period Period
	// label names the period as its scorecard header would ("2024-12", or
	// "2024-12 (to 12-15)").
	label  string
	values map[string]float64
	// missing says why there is no comparison (zero when there is one).
	missing reports.Msg
}

// yoyShare holds the year-earlier figures of one publish run by region:
// the strategy and operations scorecards show the same ones (a scan of the
// orders of a year ago), so they are read once.
type yoyShare struct {
	mu sync.Mutex
	m  map[string]*yoyOnce
}

type yoyOnce struct {
	once sync.Once
	y    yoyFigures
	errs []string // what reading them noted
}

// yoy returns the year-earlier figures of b's region: from b.yoys when set
// (read by the first scorecard that asks, what that read noted noted on
// every scorecard), else read for b alone. The figures are read-only.
func (b *builder) yoy() yoyFigures {
	if b.yoys == nil {
		return b.readYoY()
	}
	b.yoys.mu.Lock()
	if b.yoys.m == nil {
		b.yoys.m = map[string]*yoyOnce{}
	}
	e := b.yoys.m[b.region]
	if e == nil {
		e = &yoyOnce{}
		b.yoys.m[b.region] = e
	}
	b.yoys.mu.Unlock()
	e.once.Do(func() {
		r := *b
		r.errs = nil
		e.y = r.readYoY()
		e.errs = r.errs
	})
	b.errs = append(b.errs, e.errs...)
	return e.y
}

// readYoY computes the yoyKeys figures of the period the scorecard of the
// same day a year earlier reports, restricted to the region like the
// current ones. The warehouse must hold that whole period: when its first
// order is after the period's first day the figures would compare a part
// of a period with a whole one, and there is no comparison.
func (b *builder) readYoY() yoyFigures {
	ly := yoyAsOf(b.asOf)
	cur, _ := Periods(ly)
	out := yoyFigures{period: cur, label: cur.Label, values: map[string]float64{}}
	if b.curLabel != b.cur.Label { // month to date
		out.label = cur.Label + " (to " + ly.Format("01-02") + ")"
	}
	d := b.sql()
	data := b.data()
	data.From, data.To = warehouse.TimestampLiteral(d, cur.From), warehouse.TimestampLiteral(d, cur.To)
	data.FromDay = d.String(cur.From.Format(time.DateOnly))
	orders, err := b.ordersSource(cur.From, cur.To)
	data.Orders = orders
	q := ""
	if err == nil {
		q, err = periodFiles.Render("yoy_figures", d, data)
	}
	if err != nil {
		b.note(err, "same period last year")
		out.missing = reports.M("yoy.failed", out.label)
		return out
	}
	recs, err := b.wh.Query(b.ctx, q, b.regionArgs()...)
	if err != nil {
		b.note(err, "same period last year")
		out.missing = reports.M("yoy.failed", out.label)
		return out
	}
	defer warehouse.Release(recs)
	if len(recs) == 0 || recs[0].NumRows() == 0 {
		out.missing = reports.M("yoy.nodata", out.label)
		return out
	}
	r := recs[0]
	first := warehouse.TimeAt(r, len(yoyKeys), 0)
	day := time.Date(cur.From.Year(), cur.From.Month(), cur.From.Day()+1, 0, 0, 0, 0, cur.From.Location())
	switch {
	case first.IsZero() || !first.Before(cur.To):
		out.missing = reports.M("yoy.nodata", out.label)
		return out
	case !first.Before(day):
		out.missing = reports.M("yoy.partial", out.label, first.In(b.loc).Format("2006-01-02"))
		return out
	}
	for i, k := range yoyKeys {
		out.values[k] = warehouse.FloatAt(r, i, 0)
	}
	out.values["returning_customers"] = out.values["active_customers"] - out.values["new_customers"]
	out.values["aov"] = ratio(out.values["net_sales"], out.values["orders"])
	return out
}

// setYoY puts the figures of the same period last year beside the KPIs
// that have one (or the reason there is none).
func (b *builder) setYoY(sc *reports.Scorecard) {
	has := false
	for _, k := range sc.KPIs {
		if _, ok := yoyKinds[k.Key]; ok {
			has = true
		}
	}
	if !has {
		return
	}
	y := b.yoy()
	sc.YoYPeriod = y.label
	for i := range sc.KPIs {
		k := &sc.KPIs[i]
		if _, ok := yoyKinds[k.Key]; !ok {
			continue
		}
		if !y.missing.IsZero() {
			k.NoYoY = y.missing
			continue
		}
		k.YoY, k.HasYoY = y.values[k.Key], true
	}
}

// yoyKinds are the KPI keys shown with a year-earlier figure.
var yoyKinds = map[string]struct{}{"net_sales": {}, "orders": {}, "aov": {}, "store_sales": {}, "online_sales": {},
	"active_customers": {}, "new_customers": {}, "returning_customers": {}}
