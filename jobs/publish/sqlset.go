package publish

import (
	"embed"
	"sort"
	"strings"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// The publish job's SQL is in sql/: cards/*.sql are the scorecards' fixed
// queries (no part built from the period, region or dialect), rendered
// once at start; mail/*.sql the delivery log's; period/*.sql the queries
// composed from the periods, the region filter and dialect pieces (see
// sqlData), rendered per scorecard; tags/*.sql the customer tags of the
// segments (segments.go); revenue/*.sql the monthly revenue workbook's. Tables are named
// bare, and TestSQLFilesDeclared checks every file against the tables the
// job declares. A broken file stops the binary at start.
var (
	//go:embed sql/cards/*.sql
	cardFS embed.FS
	//go:embed sql/mail/*.sql
	mailFS embed.FS
	//go:embed sql/period/*.sql
	periodFS embed.FS

	cardFiles   = sqlfile.MustParse(cardFS, "sql/cards")
	mailFiles   = sqlfile.MustParse(mailFS, "sql/mail")
	periodFiles = sqlfile.MustParse(periodFS, "sql/period")
	cardSQL     = renderFixed(cardFiles)
	mailSQL     = renderFixed(mailFiles)
	sqlFileSets = map[string]*sqlfile.Set{"cards": cardFiles, "mail": mailFiles, "period": periodFiles, "tags": tagFiles, "revenue": revenueQueries}
)

// renderFixed renders every file of a set that takes no data.
func renderFixed(s *sqlfile.Set) map[string]string {
	out := map[string]string{}
	for _, n := range s.Names() {
		q, err := s.Render(n, warehouse.SQLOf(nil), nil)
		if err != nil {
			panic(err)
		}
		out[n] = q
	}
	return out
}

// sqlData is what the period/*.sql templates read. Everything an engine
// spells differently (timestamp literals, quoting, arg_max, median, time
// differences) is made here by the warehouse dialect; the files hold the
// rest.
type sqlData struct {
	// CurFrom, CurTo, PrevFrom, PrevTo are the bounds of the report and
	// the comparison period as TIMESTAMPTZ literals.
	CurFrom, CurTo, PrevFrom, PrevTo string
	// PrevCol is the comparison period as a column-name suffix ("2025_11").
	PrevCol string
	// Region is set when the scorecard is restricted to a region: the
	// queries then take the region as an argument.
	Region bool
	// Purchase is the shared purchase rule (jobs.PurchasePredicate).
	Purchase string
	// FirstDays reads first purchases from customer_state (firsts.go);
	// CurDay, PrevDay and FromDay are the first days of the report, the
	// comparison and the .From period as string literals.
	FirstDays                bool
	CurDay, PrevDay, FromDay string

	// From and To bound the orders of order_facts.sql, orders_region.sql
	// and yoy_figures.sql (TIMESTAMPTZ literals).
	From, To string
	// Provinces are the configured regions' province names as
	// (region, alias) string literals; RegionOfAlias picks the region of
	// the longest alias a province starts with.
	Provinces     []provinceAlias
	RegionOfAlias string
	// Orders is a rendered orders_region.sql; Month the month of order_ts
	// (reports.MonthCase).
	Orders, Month string
	// Minutes is the minutes from opened_ts to closed_ts; MedianMinutes
	// its median; MedianCurMinutes the median of the column cur_minutes.
	Minutes, MedianMinutes, MedianCurMinutes string
	// CurrentRows is jobs.CurrentRowsSQL.
	CurrentRows string
	// Table names a table, Column one of its columns (quoted), Cols
	// some of its columns.
	Table, Column string
	Cols          []string
	// TableName and ColName are Table and a column as string literals;
	// Sources and IDs lists of string literals (source names, load ids).
	TableName, ColName string
	Sources, IDs       []string
}

// provinceAlias is one configured province name of a region, both as
// string literals.
type provinceAlias struct{ Region, Alias string }

// provinces lists the configured regions' province names in lower case,
// by region then as configured, quoted by d.
func provinces(d warehouse.SQL, regions map[string][]string) []provinceAlias {
	names := make([]string, 0, len(regions))
	for r := range regions {
		names = append(names, r)
	}
	sort.Strings(names)
	var out []provinceAlias
	for _, r := range names {
		for _, p := range regions[r] {
			if a := strings.ToLower(strings.TrimSpace(p)); a != "" {
				out = append(out, provinceAlias{d.String(r), d.String(a)})
			}
		}
	}
	return out
}

// ordersData is the data of order_facts.sql and orders_region.sql: the
// orders of [from, to) with the configured regions.
func ordersData(d warehouse.SQL, regions map[string][]string, from, to time.Time) sqlData {
	return sqlData{From: warehouse.TimestampLiteral(d, from), To: warehouse.TimestampLiteral(d, to),
		Provinces: provinces(d, regions), RegionOfAlias: d.ArgMax("pm.region", "length(pm.alias)")}
}

// factsSQL is the query of publish_order_facts (order_facts.sql): the
// orders of [from, to) with their region, units and cost.
func factsSQL(d warehouse.SQL, regions map[string][]string, from, to time.Time) (string, error) {
	return periodFiles.Render("order_facts", d, ordersData(d, regions, from, to))
}

// data is the template data of b's scorecard.
func (b *builder) data() sqlData {
	d := b.sql()
	return sqlData{
		CurFrom: warehouse.TimestampLiteral(d, b.cur.From), CurTo: warehouse.TimestampLiteral(d, b.cur.To),
		PrevFrom: warehouse.TimestampLiteral(d, b.prev.From), PrevTo: warehouse.TimestampLiteral(d, b.prev.To),
		PrevCol: b.prevCol(), Region: b.region != "", Purchase: b.purchase,
		FirstDays: b.firstDays, CurDay: d.String(b.cur.From.Format(time.DateOnly)), PrevDay: d.String(b.prev.From.Format(time.DateOnly)),
	}
}

// render renders period/<name>.sql with data; an error is noted under what
// and gives "" (the query then fails and is noted too).
func (b *builder) render(what, name string, data sqlData) string {
	q, err := periodFiles.Render(name, b.sql(), data)
	b.note(err, what)
	return q
}

// ordersSource is the orders of [from, to) with their region (as in the
// order facts) when the scorecard is restricted to a region, and the
// orders table otherwise (orders_region.sql).
func (b *builder) ordersSource(from, to time.Time) (string, error) {
	data := ordersData(b.sql(), b.regions, from, to)
	data.Region = b.region != ""
	return periodFiles.Render("orders_region", b.sql(), data)
}

// regionArgs is the region argument of a query restricted to the region.
func (b *builder) regionArgs() []any {
	if b.region == "" {
		return nil
	}
	return []any{b.region}
}
