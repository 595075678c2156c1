package publish

import (
	"github.com/crmkit/crmkit/reports"
)

func (b *builder) operations() reports.Scorecard {
	ra := b.regionArgs()
	sc := reports.Scorecard{Layer: reports.LayerOperations, Title: "Operations scorecard"}
	sc.KPIs = b.periodKPIs("net_sales", "store_sales", "online_sales", "refund_rate")
	if b.region == "" {
		if gm, ok := b.grossMargin(); ok {
			sc.KPIs = append(sc.KPIs[:1], append([]reports.KPI{gm}, sc.KPIs[1:]...)...)
		}
	}
	periods := b.cur.Label + " with " + b.prev.Label
	byChannel := b.table("By channel, "+periods, b.render("By channel", "by_channel", b.data()), ra...)
	byRegion := b.table("By region, "+periods, b.render("By region", "by_region", b.data()), ra...)
	byStore := cut(b.table("By store, "+b.cur.Label, b.render("By store", "by_store", b.data()), ra...), 30)
	sec := reports.Section{Name: "Channels, regions and stores", Notes: []reports.Msg{b.periodNote()}, Tables: []reports.Table{byChannel, byRegion, byStore}}
	if len(byRegion.Columns) >= 4 {
		sec.Charts = []reports.Chart{chartFrom("regions", "Net sales by region, "+b.cur.Label, reports.ChartBar, reports.UnitMoney, reports.Table{Columns: []reports.Column{byRegion.Columns[0], byRegion.Columns[3]}, Rows: pick(byRegion.Rows, 0, 3)})}
	}
	sc.Sections = append(sc.Sections, sec)

	asOfDay := b.asOf.Format("2006-01-02")
	if b.exists("campaign_effect") {
		if b.region != "" {
			sc.Sections = append(sc.Sections, b.leftOut("Campaigns", "why.campaigns"))
		} else {
			sc.Sections = append(sc.Sections, reports.Section{Name: "Campaigns", Notes: []reports.Msg{b.periodNote(), reports.M("note.campaigns")},
				Tables: []reports.Table{b.table("Campaign effect, campaigns of "+b.cur.Label+" and "+b.prev.Label, cardSQL["campaign_effect"],
					asOfDay, b.cur.Label, b.prev.Label)}})
		}
	}
	if b.exists("channel_credit") {
		totalsTitle := "Credited online sales, " + b.cur.Label + " and " + b.prev.Label
		totals := b.table(totalsTitle, b.render(totalsTitle, "credit_totals", b.data()), append([]any{asOfDay, b.cur.Label, b.prev.Label}, ra...)...)
		detailTitle := "Credit per store and associate, " + b.cur.Label
		detail := cut(b.table(detailTitle, b.render(detailTitle, "credit_detail", b.data()), append([]any{asOfDay, b.cur.Label}, ra...)...), 50)
		sc.Sections = append(sc.Sections, reports.Section{Name: "Cross-channel credit", Notes: []reports.Msg{b.periodNote(), reports.M("note.credit")},
			Tables: []reports.Table{totals, detail}})
	}
	if b.region != "" {
		sc.Sections = append(sc.Sections, b.leftOut("Segments", "why.segments"))
	} else if sec, ok := b.segments(); ok {
		sc.Sections = append(sc.Sections, sec)
	}
	if b.exists("social_engagement") {
		title := "Engagement, " + b.cur.Label + " and " + b.prev.Label
		eng := cut(b.table(title, b.render(title, "engagement", b.data()), append([]any{asOfDay, b.cur.Label, b.prev.Label}, ra...)...), 60)
		sc.Sections = append(sc.Sections, reports.Section{Name: "Social engagement", Notes: []reports.Msg{b.periodNote()}, Tables: []reports.Table{eng}})
	}
	return sc
}

// segments is the Segments section: the sizes of this run's segments when
// publish has them (so the first publish of a new warehouse shows them),
// else the newest recorded sizes.
func (b *builder) segments() (reports.Section, bool) {
	sec := reports.Section{Name: "Segments", Notes: []reports.Msg{reports.M("note.segments", b.asOf.Format("2006-01-02"), b.curLabel)}}
	if b.segmentSizes != nil {
		sec.Tables = []reports.Table{*b.segmentSizes}
		return sec, true
	}
	if !b.exists("segment_sizes") {
		return sec, false
	}
	sec.Tables = []reports.Table{b.table("Segment sizes", cardSQL["segment_sizes"], b.asOf.Format("2006-01-02"))}
	return sec, true
}
