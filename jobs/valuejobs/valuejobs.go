// Package valuejobs is the job glue of the cohort and RFM models: it reads
// stitched customers' orders (and, for cohorts, per-customer attributes)
// from the warehouse as Arrow batches with one SQL query each, runs the pure
// models in models/cohort and models/rfm, and replaces the as-of date's rows
// of the marts cohort_retention and rfm.
//
// Both jobs count purchases as the models define them: orders of a stitched
// customer (customer_id not null) with order_ts before the end of the as-of
// day that is a purchase (jobs.PurchasePredicate: units bought, net amount
// at least models.clv.min_amount). Anonymous orders (customer_id NULL) and
// orders that are not purchases are left out and counted in the job
// message.
//
// Customers are numbered densely in SQL (row_number over the sorted ids of
// the customers with a purchase), so the models index arrays instead of
// hashing ids per order; both queries of a job compute the same numbering
// from the same purchases (the cohort attributes query numbers them from
// its per-customer first orders, one row per purchasing customer).
package valuejobs

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/cohort"
	"github.com/crmkit/crmkit/models/rfm"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// Job and mart names.
const (
	// JobCohorts builds the cohort_retention mart.
	JobCohorts = "cohorts"
	// JobRFM builds the rfm mart.
	JobRFM = "rfm"
	// MartCohorts is the cohort matrix mart.
	MartCohorts = "cohort_retention"
	// MartRFM is the RFM scores mart.
	MartRFM = "rfm"
)

// The jobs' SQL is in sql/value/*.sql (the incremental cohorts' own files
// are in sql/cohort). The files name their tables bare, as the statements
// always have; their data is the purchase rule, the dialect's spellings and
// the sources chosen in Go.
//
//go:embed sql/value/*.sql
var valueFS embed.FS

var valueSQL = sqlfile.MustParse(valueFS, "sql/value")

// valueStatement renders file name of sql/value. Its data is strings built
// in Go, so only a defect in the file can fail it (TestValueSQL renders
// every file): it panics then, as a broken file at start does.
func valueStatement(d warehouse.SQL, name string, data any) string {
	q, err := valueSQL.Render(name, d, data)
	if err != nil {
		panic(err)
	}
	return q
}

// CohortDimensions are the splits of the cohort matrix besides "all".
var CohortDimensions = []string{"first_channel", "region", "first_category"}

var registerOnce sync.Once

// Register adds the cohorts and RFM jobs to the model registry; cmd/crmkit
// calls it at start. Later calls do nothing.
func Register() {
	registerOnce.Do(func() {
		jobs.RegisterModel(JobCohorts, CohortsJob)
		jobs.RegisterModel(JobRFM, RFMJob)
	})
}

// CohortsJob is the "cohorts" job: the cohort matrix by first-purchase
// month, overall and split by first channel, region and first category.
// Backfills run it once per month (as-of = the month's last day).
func CohortsJob(cfg *config.Config) *jobs.Job {
	return &jobs.Job{Name: JobCohorts, Group: "models", Partitioned: "month", Run: runCohorts,
		Reads: cohortReads(), Writes: append([]string{MartCohorts}, cohortState...)}
}

// RFMJob is the "rfm" job: RFM quintile scores and management tiers.
func RFMJob(cfg *config.Config) *jobs.Job {
	// Sequence 1: before social_engagement (Sequence 2), which reads the tiers.
	return &jobs.Job{Name: JobRFM, Group: "models", Partitioned: "month", Run: runRFM, Sequence: 1,
		Reads: append([]string{"orders"}, rfmStateTables...), Writes: []string{MartRFM}}
}

// cohortCustomersSQL reads the per-customer cohort attributes:
//   - first_channel: the channel of the first purchase, the purchase with the
//     smallest (order_ts, channel, order_id);
//   - first_category: the product category of that order's line with the
//     highest net amount (ties: the smallest category name), lines whose SKU
//     has no category left aside;
//   - region: the golden record's region (src, the customers
//     source).
//
// The customers are numbered from f (one row per purchasing customer), the
// same numbering as jobs.PurchasesSQL. The first orders' lines are read
// from the raw lines (lines, see linesSource) joined to the first
// orders only: the order_lines view would join every line to its customer.
//
// d spells the per-customer minimum for the dialect; where narrows the
// purchases (AND ..., or "" for every customer).
func cohortCustomersSQL(d warehouse.SQL, minAmount float64, where, lines, src string) string {
	first, firstCols := d.ArgMinCols([]string{"order_ts", "channel", "order_id"},
		[]string{"channel", "order_id", "order_ts"}, []string{"first_channel", "first_order", "first_ts"})
	firstCat := d.ArgMinOf("pr.category", d.Neg("l.net_amount"), "pr.category")
	return valueStatement(d, "cohort_customers", struct{ Purchase, Where, First, FirstCols, FirstCat, Lines, Customers string }{
		jobs.PurchasePredicate(minAmount), where, first, firstCols, firstCat, lines, src})
}

// rawLinesSQL is the (channel, order_id, sku, net_amount) of the order
// lines as the order_lines view keeps them (an order exported in several
// loads keeps the lines of the load order_versions names: the core job's
// kept_order_lines view), without the view's join to the customer
// assignments.
var rawLinesSQL = valueStatement(warehouse.SQLOf(nil), "raw_lines", nil)

// linesSource is the order lines source of cohortCustomersSQL: the kept raw
// lines when the warehouse has them (every warehouse the core job built),
// else the order_lines relation itself.
func linesSource(ctx context.Context, wh warehouse.Warehouse) (string, error) {
	ok, err := warehouse.TableExists(ctx, wh, "kept_order_lines")
	if err != nil {
		return "", fmt.Errorf("look up the kept_order_lines view: %w", err)
	}
	if !ok {
		return valueStatement(warehouse.SQLOf(nil), "view_lines", nil), nil
	}
	return rawLinesSQL, nil
}

// statsSQL counts the orders up to the as-of day that are left out.
func statsSQL(minAmount float64) string {
	return valueStatement(warehouse.SQLOf(nil), "stats", struct{ Purchase string }{jobs.PurchasePredicate(minAmount)})
}

// inputStats are the orders the models do not see.
type inputStats struct {
	anonymous, nonPositive int64
	full                   string // why every purchase was read (cohorts)
}

func (s inputStats) String() string {
	out := fmt.Sprintf("%d anonymous orders (no customer_id) excluded; %d orders that are not purchases (no units bought, or net amount below the minimum) excluded", s.anonymous, s.nonPositive)
	if s.full != "" {
		out += "; every purchase read (" + s.full + ")"
	}
	return out
}

// window resolves the as-of day and the end of it (exclusive) as an
// RFC 3339 instant for the SQL parameter.
func window(ctx context.Context, env *jobs.Env) (asOf time.Time, loc *time.Location, end string, err error) {
	asOf, err = env.ResolveAsOf(ctx)
	if err != nil {
		return
	}
	loc = env.Cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := asOf.In(loc).Date()
	asOf = time.Date(y, m, d, 0, 0, 0, 0, loc)
	end = time.Date(y, m, d+1, 0, 0, 0, 0, loc).Format(time.RFC3339)
	return
}

func readStats(ctx context.Context, wh warehouse.Warehouse, end string, minAmount float64) (inputStats, error) {
	var s inputStats
	if err := wh.QueryRow(ctx, statsSQL(minAmount), []any{end}, &s.anonymous, &s.nonPositive); err != nil {
		return s, fmt.Errorf("count excluded orders: %w", err)
	}
	return s, nil
}

// customersSource is the region lookup: the golden record's region when the
// customers table exists (it does once the stitch job has run), else none.
func customersSource(ctx context.Context, wh warehouse.Warehouse) (string, error) {
	exists, err := warehouse.TableExists(ctx, wh, "customers")
	if err != nil {
		return "", fmt.Errorf("look up the customers table: %w", err)
	}
	if exists {
		// The query fails when a column is missing (LIMIT 0 reads nothing).
		recs, err := wh.Query(ctx, valueStatement(warehouse.SQLOf(nil), "customers_probe", nil))
		exists = err == nil
		for _, r := range recs {
			r.Release()
		}
	}
	if !exists {
		return valueStatement(warehouse.SQLOf(nil), "no_regions", nil), nil
	}
	// min() keeps one row per customer should the table ever repeat one.
	return valueStatement(warehouse.SQLOf(nil), "regions", nil), nil
}

func runCohorts(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	asOf, loc, end, err := window(ctx, env)
	if err != nil {
		return jobs.Result{}, err
	}
	plan, err := planCohorts(ctx, env, loc) // cohortinc.go
	if err != nil {
		return jobs.Result{}, err
	}
	if plan != nil && !plan.full {
		return runCohortsIncremental(ctx, env, plan, asOf, loc, end)
	}
	stats, err := readStats(ctx, env.WH, end, env.Cfg.Models.CLV.MinAmount)
	if err != nil {
		return jobs.Result{}, err
	}
	src, err := customersSource(ctx, env.WH)
	if err != nil {
		return jobs.Result{}, err
	}
	lines, err := linesSource(ctx, env.WH)
	if err != nil {
		return jobs.Result{}, err
	}
	t0 := time.Now()
	orders, err := jobs.ReadPurchases(ctx, env, end)
	if err != nil {
		return jobs.Result{}, fmt.Errorf("read purchases: %w", err)
	}
	defer warehouse.Release(orders)
	customers, err := env.WH.Query(ctx, cohortCustomersSQL(warehouse.SQLOf(env.WH.Dialect()), env.Cfg.Models.CLV.MinAmount, "", lines, src), end)
	if err != nil {
		return jobs.Result{}, fmt.Errorf("read cohort attributes: %w", err)
	}
	defer warehouse.Release(customers)
	readSec := time.Since(t0).Seconds()

	t1 := time.Now()
	res, err := cohort.Compute(orders, customers, cohort.Options{AsOf: asOf, Location: loc, Dimensions: CohortDimensions})
	if err != nil {
		return jobs.Result{}, err
	}
	modelSec := time.Since(t1).Seconds()
	rec := res.Record(memory.DefaultAllocator, asOf)
	defer rec.Release()
	if plan != nil {
		err = writeCohortsFull(ctx, env, plan, asOf, loc, rec, orders, customers)
		stats.full = plan.reason
	} else {
		err = jobs.WriteMart(ctx, env.WH, MartCohorts, asOf, cohort.MartSchema, []arrow.RecordBatch{rec})
	}
	if err != nil {
		return jobs.Result{}, err
	}
	cohorts := map[string]bool{}
	for _, c := range res.Cells {
		if c.Dimension == cohort.DimAll {
			cohorts[c.CohortMonth] = true
		}
	}
	return jobs.Result{
		RowsIn:  warehouse.NumRows(orders),
		RowsOut: rec.NumRows(),
		Message: fmt.Sprintf("as of %s: %d customers in %d monthly cohorts from %d purchases, %d cells; %s; read %.2fs, model %.2fs",
			asOf.Format("2006-01-02"), res.Customers, len(cohorts), res.Purchases, len(res.Cells), stats, readSec, modelSec),
	}, nil
}

func runRFM(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	asOf, loc, end, err := window(ctx, env)
	if err != nil {
		return jobs.Result{}, err
	}
	fromState, ok, why, err := runRFMFromState(ctx, env, asOf, end)
	if err != nil || ok {
		return fromState, err
	}
	stats, err := readStats(ctx, env.WH, end, env.Cfg.Models.CLV.MinAmount)
	if err != nil {
		return jobs.Result{}, err
	}
	t0 := time.Now()
	orders, err := jobs.ReadPurchases(ctx, env, end)
	if err != nil {
		return jobs.Result{}, fmt.Errorf("read purchases: %w", err)
	}
	defer warehouse.Release(orders)
	customers, err := jobs.ReadPurchaseCustomers(ctx, env, end)
	if err != nil {
		return jobs.Result{}, fmt.Errorf("read customers: %w", err)
	}
	defer warehouse.Release(customers)
	readSec := time.Since(t0).Seconds()

	t1 := time.Now()
	c := env.Cfg.Models.RFM
	res, err := rfm.Compute(orders, customers, rfm.Options{
		AsOf: asOf, Location: loc, HighValueMin: c.HighValueMin, DormantRecencyMax: c.DormantRecencyMax})
	if err != nil {
		return jobs.Result{}, err
	}
	modelSec := time.Since(t1).Seconds()
	recs := res.Record(memory.DefaultAllocator, asOf, 1<<17)
	defer warehouse.Release(recs)
	if err := jobs.WriteMart(ctx, env.WH, MartRFM, asOf, rfm.MartSchema, recs); err != nil {
		return jobs.Result{}, err
	}
	tc := res.TierCounts()
	var tiers []string
	for _, t := range []rfm.Tier{rfm.Dormant, rfm.Active, rfm.HighValue} {
		tiers = append(tiers, fmt.Sprintf("%s %d", t, tc[t]))
	}
	return jobs.Result{
		RowsIn:  warehouse.NumRows(orders),
		RowsOut: int64(res.Len()),
		Message: fmt.Sprintf("as of %s: %d customers scored (%s), frequency/monetary window %d days from %s; %s; every purchase read (%s); read %.2fs, model %.2fs",
			asOf.Format("2006-01-02"), res.Len(), strings.Join(tiers, ", "), rfm.DefaultWindowDays,
			res.WindowStart.Format("2006-01-02"), stats, why, readSec, modelSec),
	}, nil
}
