package bench

import (
	"embed"
	"fmt"
	"strings"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// twinChecks name, by stage, the files that compare a twin's totals with the stage's mart for the run's
// as-of date, so a twin that stops computing what its stage computes is
// reported in the stage's note. (Row counts are not compared for cohorts
// and growth: their marts also hold the empty cells of the matrix, which
// the twins leave out. The sales check compares row by row.)
var twinChecks = map[string]string{
	"cohorts": "check_cohorts",
	"growth":  "check_growth",
	"sales":   "check_sales",
}

//go:embed sql/*.sql
var sqlFS embed.FS

// queries are the bench's SQL (sql/*.sql): the twins and their checks
// (twin_*, check_*) and its reads of the warehouse. The twins create
// temporary bench_twin_* tables, and the ingest twin one bench_twin_csv_N
// table per csv source; the others are the chain's tables.
var queries = sqlfile.MustParse(sqlFS, "sql")

// twinArgs are the values the twin files take: Local is order_ts in the
// business time zone, Purchase the shared purchase rule, Churn the churn
// window in days, End the first instant after the as-of day, Cancelled the
// quoted cancelled statuses, I and Path the number and quoted path of a csv
// source.
type twinArgs struct {
	Local, Purchase, End, Cancelled, Path string
	Churn, I                              int
}

// tableArg is the data of the files that name one table (quoted).
type tableArg struct{ Table string }

// render renders file name of sql/ with data (DuckDB: the bench runs on
// DuckDB only).
func render(name string, data any) (string, error) {
	q, err := queries.Render(name, warehouse.SQLOf(nil), data)
	if err != nil {
		return "", fmt.Errorf("bench sql %s: %w", name, err)
	}
	return q, nil
}

// sqlTwins are the same computations as plain DuckDB SQL, keyed by stage.
func sqlTwins(cfg *config.Config, csvSources map[string]bool) (map[string][]string, error) {
	tz := cfg.Location.String()
	var ingest []string
	i := 0
	for _, s := range cfg.Sources {
		if !csvSources[jobs.IngestJobName(s.Name)] {
			continue
		}
		// Written to a persistent table, as the real ingest writes raw tables.
		q, err := render("twin_ingest_csv", twinArgs{I: i, Path: strings.ReplaceAll(cfg.Resolve(s.Path), "'", "''")})
		if err != nil {
			return nil, err
		}
		ingest = append(ingest, q)
		i++
	}
	local := fmt.Sprintf("timezone('%s', order_ts)", tz)
	// The cohorts, RFM, CLV and growth twins select purchases by the shared
	// rule their jobs read through (jobs.PurchasePredicate).
	purchase := jobs.PurchasePredicate(cfg.Models.CLV.MinAmount)
	churn := cfg.Models.Growth.ChurnDays
	if churn <= 0 {
		churn = metrics.DefaultChurnDays
	}
	args := twinArgs{Local: local, Purchase: purchase, Churn: churn}
	args.End, args.Cancelled = salesBounds(cfg)
	out := map[string][]string{"ingest (utf-8 csv sources)": ingest}
	// cohorts: the matrix overall and split by first channel, region and
	// first category (the category of the first order's line with the
	// highest net amount), as the cohorts job computes.
	// growth: new, returning, reactivated and churned customers per month
	// (the growth job's churn window, models.growth.churn_days), active at
	// the end, overall and by first channel and region.
	// sales: per month (of the order's earliest line) the total and each
	// channel, store, region (the store's, else the customer's), category
	// and brand, from the lines up to the as-of day that are not cancelled,
	// as the sales job computes: an order counts in a group when its lines
	// there net above zero, returned lines (refund > 0, net <= 0) add no
	// units or cost, lines without a unit cost stay out of the costed net
	// sales and the margin. An order (channel, order_id) is keyed by the
	// 64-bit hash of the pair, which keeps the big hash tables narrow:
	// keyed by the two strings, the statement took over twice as long at a
	// million customers and ran out of DuckDB's 1GB memory limit in the
	// bench. Two orders whose hashes collide (odds about 1e-6 at five
	// million orders) would be merged, and the check against the mart
	// would report it.
	for stage, file := range map[string]string{"cohorts": "twin_cohorts", "rfm": "twin_rfm", "growth": "twin_growth",
		"sales": "twin_sales", "clv: summary": "twin_clv_summary"} {
		q, err := render(file, args)
		if err != nil {
			return nil, err
		}
		out[stage] = []string{q}
	}
	return out, nil
}

// salesBounds returns the sales twin's end (the first instant after the
// as-of day: the configured one, else the local date of the newest order,
// as the job resolves it) and the cancelled statuses as quoted SQL strings.
func salesBounds(cfg *config.Config) (end, cancelled string) {
	tz := cfg.Location.String()
	asOf := fmt.Sprintf("(SELECT CAST(timezone('%s', max(order_ts)) AS DATE) FROM orders)", tz)
	if cfg.AsOf != "" {
		asOf = fmt.Sprintf("DATE '%s'", strings.ReplaceAll(cfg.AsOf, "'", "''"))
	}
	end = fmt.Sprintf("timezone('%s', CAST(%s + 1 AS TIMESTAMP))", tz, asOf)
	quoted := make([]string, len(metrics.DefaultCancelledStatuses))
	for i, v := range metrics.DefaultCancelledStatuses {
		quoted[i] = "'" + strings.ReplaceAll(strings.ToLower(v), "'", "''") + "'"
	}
	return end, strings.Join(quoted, ", ")
}
