// Package metricjobs is the job glue of the business metrics in
// models/metrics: one model job per metric reads its inputs from the core
// tables (and the rfm and lifecycle_stage marts) as Arrow batches with
// plain SQL, runs the pure metric function for the as-of date and replaces
// that date's rows of its mart. Importing the package registers the jobs
// profit, growth, sales, campaign_effect, channel_credit and
// social_engagement, writing the marts of the same names.
//
// The SQL only selects columns, drops rows after the as-of day and
// blanks statuses that are not cancellations (the same text on DuckDB and
// BigQuery); every figure is computed in models/metrics. Tables that do not exist yet (no
// campaign or social source configured, no stitch run for customers, no
// rfm or lifecycle run) count as empty, and the job message says so.
// Refunds, lines without a unit cost, cancelled and anonymous orders are
// counted in the marts and in the job message.
package metricjobs

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Job names; each job writes the mart of the same name.
const (
	JobProfit   = "profit"
	JobGrowth   = "growth"
	JobSales    = "sales"
	JobCampaign = "campaign_effect"
	JobCredit   = "channel_credit"
	JobSocial   = "social_engagement"
)

var registerOnce sync.Once

// Register adds the metric jobs to the model registry; cmd/crmkit calls it
// at start. Later calls do nothing.
func Register() {
	registerOnce.Do(func() {
		jobs.RegisterModel(JobProfit, ProfitJob)
		jobs.RegisterModel(JobGrowth, GrowthJob)
		jobs.RegisterModel(JobSales, SalesJob)
		jobs.RegisterModel(JobCampaign, CampaignJob)
		jobs.RegisterModel(JobCredit, CreditJob)
		jobs.RegisterModel(JobSocial, SocialJob)
	})
}

func newJob(name string, run func(ctx context.Context, env *jobs.Env) (jobs.Result, error)) *jobs.Job {
	return &jobs.Job{Name: name, Group: "models", Partitioned: "month", Run: run, Sequence: sequence[name], Alone: alone[name],
		Reads: reads[name], Writes: append([]string{name}, extraWrites[name]...)}
}

// alone are the jobs that read the 10 million order lines or the
// interactions with the orders (jobs.Job.Alone).
var alone = map[string]bool{JobSales: true, JobProfit: true, JobSocial: true}

// sequence places the jobs that share an input next to each other in a
// chain (jobs.Job.Sequence): the readers of the orders (after rfm and
// lifecycle, which social_engagement needs), then the readers of the
// order lines, sales first: profit, the last reader, lets the lines go
// before it writes its million rows.
var sequence = map[string]int{JobGrowth: 2, JobCampaign: 2, JobSocial: 2, JobSales: 3, JobProfit: 4}

// ProfitJob is the "profit" job: profit per month, customer and order.
func ProfitJob(cfg *config.Config) *jobs.Job { return newJob(JobProfit, runProfit) }

// GrowthJob is the "growth" job: new, returning, reactivated and churned
// customers per month (window models.growth.churn_days).
func GrowthJob(cfg *config.Config) *jobs.Job { return newJob(JobGrowth, runGrowth) }

// SalesJob is the "sales" job: sales by category, brand, channel, store,
// region and month.
func SalesJob(cfg *config.Config) *jobs.Job { return newJob(JobSales, runSales) }

// CampaignJob is the "campaign_effect" job: target vs control per campaign
// (window models.campaign.window_days).
func CampaignJob(cfg *config.Config) *jobs.Job { return newJob(JobCampaign, runCampaign) }

// CreditJob is the "channel_credit" job: online sales of store-recruited
// customers credited to the store and associate (window
// models.credit.window_days).
func CreditJob(cfg *config.Config) *jobs.Job { return newJob(JobCredit, runCredit) }

// SocialJob is the "social_engagement" job: interactions by category,
// region, RFM tier and lifecycle stage, and fan-to-buyer conversion
// (window models.social.conversion_days). It reads the rfm and
// lifecycle_stage marts for the tiers and stages, so it runs after the
// jobs that write them.
func SocialJob(cfg *config.Config) *jobs.Job { return newJob(JobSocial, runSocial) }

// run holds what one job run reads.
type run struct {
	ctx       context.Context
	env       *jobs.Env
	job       string // the job running, whose reads sql checks
	wh        warehouse.Warehouse
	asOf      time.Time
	end       string // first instant after the as-of day, as a SQL literal
	common    metrics.Common
	rowsIn    int64
	read      [][]arrow.RecordBatch
	missing   []string // optional tables that were absent
	associate bool     // the orders query adds associate_id
	started   time.Time
	plan      *monthPlan // how a month-partitioned mart is updated (monthly.go)
}

func newRun(ctx context.Context, env *jobs.Env, job string) (*run, error) {
	asOf, err := env.ResolveAsOf(ctx)
	if err != nil {
		return nil, err
	}
	loc := env.Cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := asOf.In(loc).Date()
	asOf = time.Date(y, m, d, 0, 0, 0, 0, loc)
	return &run{
		ctx: ctx, env: env, job: job, wh: env.WH, asOf: asOf,
		end:     tsLiteral(env.WH, time.Date(y, m, d+1, 0, 0, 0, 0, loc)),
		common:  metrics.Common{AsOf: asOf, Location: loc},
		started: time.Now(),
	}, nil
}

func (r *run) release() {
	for _, recs := range r.read {
		for _, rec := range recs {
			rec.Release()
		}
	}
	r.read = nil
}

// query reads a required input.
func (r *run) query(what, q string, args ...any) ([]arrow.RecordBatch, error) {
	recs, err := r.wh.Query(r.ctx, q, args...)
	return r.keep(what, recs, err)
}

// keep records an input read (released with the run, counted in rows in).
func (r *run) keep(what string, recs []arrow.RecordBatch, err error) ([]arrow.RecordBatch, error) {
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	r.read = append(r.read, recs)
	r.rowsIn += warehouse.NumRows(recs)
	return recs, nil
}

// tableChecker is implemented by warehouses that tell whether a table
// exists without information_schema (BigQuery).
type tableChecker interface {
	TableExists(ctx context.Context, name string) (bool, error)
}

// columns returns which of cols table has (none when it does not exist).
// A warehouse that checks tables itself is trusted to have the core
// tables' columns when the table exists (some of them are views, whose
// columns the BigQuery emulator does not list).
func (r *run) columns(table string, cols ...string) (map[string]bool, error) {
	out := map[string]bool{}
	if tc, ok := r.wh.(tableChecker); ok {
		exists, err := tc.TableExists(r.ctx, table)
		if err != nil {
			return nil, fmt.Errorf("look up table %s: %w", table, err)
		}
		for _, c := range cols {
			out[c] = exists
		}
		return out, nil
	}
	names, err := warehouse.TableColumns(r.ctx, r.wh, table)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", table, err)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[strings.ToLower(n)] = true
	}
	for _, c := range cols {
		if have[c] {
			out[c] = true
		}
	}
	return out, nil
}

// optional reads an input whose table may not exist yet (all of cols must
// be there) with the query file file; absent tables read as no batches and
// are noted.
func (r *run) optional(table string, cols []string, file string, args ...any) ([]arrow.RecordBatch, error) {
	q, err := r.sql(file)
	if err != nil {
		return nil, err
	}
	have, err := r.columns(table, cols...)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, ok := range have {
		if ok {
			n++
		}
	}
	if n < len(cols) {
		r.missing = append(r.missing, table)
		return nil, nil
	}
	return r.query(table, q, args...)
}

// write replaces the as-of date's rows of the mart.
func (r *run) write(mart string, schema *arrow.Schema, recs []arrow.RecordBatch) (int64, error) {
	defer func() {
		for _, rec := range recs {
			rec.Release()
		}
	}()
	if r.plan != nil {
		return r.writeMonths(schema, recs)
	}
	var n int64
	for _, rec := range recs {
		n += rec.NumRows()
	}
	if err := jobs.WriteMart(r.ctx, r.wh, mart, r.asOf, schema, recs); err != nil {
		return 0, err
	}
	return n, nil
}

// result builds the job result with the common message tail.
func (r *run) result(rowsOut int64, msg string) jobs.Result {
	msg = r.asOf.Format(time.DateOnly) + ": " + msg + r.planNote()
	if len(r.missing) > 0 {
		msg += "; absent (taken as empty): " + strings.Join(r.missing, ", ")
	}
	msg += fmt.Sprintf("; %.2fs", time.Since(r.started).Seconds())
	return jobs.Result{RowsIn: r.rowsIn, RowsOut: rowsOut, Message: msg}
}
