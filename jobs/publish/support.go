package publish

import (
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

func (b *builder) support() reports.Scorecard {
	sc := reports.Scorecard{Layer: reports.LayerSupport, Title: "Support scorecard"}
	if b.region != "" {
		// Tickets and loads carry no region, so nothing of this card can be
		// restricted to one.
		sc.Sections = append(sc.Sections, b.leftOut("Service quality", "why.tickets"),
			b.leftOut("Data health", "why.datahealth"))
		return sc
	}
	period := func(key, sql string) reports.KPI {
		cur := b.scalar(key, sql, ts(b.cur.From), ts(b.cur.To))
		prev := b.scalar(key, sql, ts(b.prev.From), ts(b.prev.To))
		return fig(key).kpi(cur, prev, true)
	}
	d := b.sql()
	minutes := d.TimestampDiff("minute", "opened_ts", "closed_ts")
	// A brand without a ticket export has no ticket figures (rather than
	// tiles of 0); a month without tickets shows 0.
	tickets := b.exists("service_tickets") && b.scalar("service tickets", cardSQL["tickets_any"]) > 0
	if tickets {
		sc.KPIs = append(sc.KPIs,
			period("tickets", cardSQL["tickets"]),
			period("resolution_days", b.render("resolution_days", "resolution_days", sqlData{MedianMinutes: d.Median(minutes)})),
			period("csat", cardSQL["csat"]),
			period("complaints_per_1000_orders", cardSQL["complaints_per_1000_orders"]))
	}
	sc.KPIs = append(sc.KPIs, fig("quarantine_rate").kpi(b.scalar("quarantine_rate", cardSQL["quarantine_rate"]), 0, false))
	svcSec := reports.Section{Name: "Service quality", Notes: []reports.Msg{b.periodNote()}}
	if tickets {
		title := "Service by category, " + b.cur.Label + " with " + b.prev.Label
		q := b.render(title, "service_by_category", sqlData{PrevCol: b.prevCol(), Minutes: minutes, MedianCurMinutes: d.Median("cur_minutes")})
		svc := b.table(title, q, ts(b.cur.From), ts(b.cur.To), ts(b.prev.From), ts(b.prev.To))
		svcSec.Tables = []reports.Table{svc}
		svcSec.Charts = []reports.Chart{chartFrom("tickets", "Tickets by category, "+b.cur.Label, reports.ChartBar, reports.UnitCount, reports.Table{Columns: svc.Columns[:min(2, len(svc.Columns))], Rows: pick(svc.Rows, 0, 1)})}
	}
	sc.Sections = append(sc.Sections, svcSec)
	const loadsTitle = "Rows loaded and quarantined per source (all loads; current = the rows core holds, superseded = replaced by a later export)"
	loadsSQL := cardSQL["loads"]
	if b.exists("kept_order_lines") {
		// Rows superseded by a later export of the same order or master
		// key are loaded but no longer current: shown apart.
		loadsSQL = b.render(loadsTitle, "loads_current", sqlData{CurrentRows: jobs.CurrentRowsSQL})
	}
	loads := b.table(loadsTitle, loadsSQL)
	reasons := b.table("Quarantine reasons", cardSQL["quarantine_reasons"])
	rejected := b.table("Rejected files", cardSQL["rejected_files"])
	health := reports.Section{Name: "Data health", Notes: []reports.Msg{reports.M("note.health")}, Tables: []reports.Table{loads, reasons, rejected}}
	if b.exists("kept_order_lines") && b.hasColumn("kept_order_lines", "original_order_id") {
		// Returns and cancellations (a source's returns: rule) are loaded
		// rows, not quarantined ones: they are counted here apart, as core
		// holds them (the kept export of each return), so the returned
		// amount is the refunds they put on orders. A tied return is shown
		// under its original order's id in kept_order_lines; one naming an
		// original not loaded keeps its own.
		health.Tables = append(health.Tables, b.table("Returns loaded per source", cardSQL["returns_per_source"]))
	}
	if b.exists("identity_stats") {
		health.Tables = append(health.Tables, b.table("Identity stitching", cardSQL["identity_stats"]))
	}
	if b.exists("identity_changes") {
		health.Tables = append(health.Tables, b.table("Identity merges and splits", cardSQL["identity_changes"]))
	}
	if b.exists("blocked_identifiers") {
		health.Tables = append(health.Tables, cut(b.table("Blocked junk identifiers", cardSQL["blocked_identifiers"]), 20))
	}
	if b.exists("source_checks") {
		health.Tables = append(health.Tables, b.table("Freshness and quality checks (last run)", cardSQL["source_checks"]))
	}
	sc.Sections = append(sc.Sections, health)
	return sc
}

func (b *builder) hasColumn(table, col string) bool {
	// The query fails when the table or the column is missing (LIMIT 0
	// reads nothing), on every engine.
	q, err := periodFiles.Render("has_column", b.sql(), sqlData{Table: table, Column: b.sql().Ident(col)})
	if err != nil {
		return false
	}
	recs, err := b.wh.Query(b.ctx, q)
	warehouse.Release(recs)
	return err == nil
}
