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
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
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

// The input queries are the files in sql/: plain column lists (the metrics
// accept any numeric column type), the same on DuckDB and BigQuery. Each
// job reads only the columns its metric uses: the order_id of orders is
// never used, associate_id only by channel_credit. status is read as itself
// when it is a cancelled status and NULL otherwise, so the common statuses
// cost nothing to transfer.
//
//go:embed sql/*.sql
var sqlFS embed.FS

var queries = sqlfile.MustParse(sqlFS, "sql")

// reads declares the tables each job reads (jobs.Job.Reads); sql refuses a
// file naming a table its job did not declare. Each job writes the mart of
// its own name.
var reads = map[string][]string{
	JobProfit:   {"order_lines", "products"},
	JobSales:    {"order_lines", "products", "stores", "customers"},
	JobGrowth:   {"orders", "customers", "stores"},
	JobCampaign: {"campaigns", "campaign_contacts", "orders"},
	JobCredit:   {"orders", "stores"},
	JobSocial:   {"social_interactions", "social_accounts", "customers", "rfm", "lifecycle_stage", "orders"},
}

// inputs are the values the input queries take besides table names.
type inputs struct {
	Status    string // the cancelled-status expression
	End       string // first instant after the as-of day, a SQL literal
	Associate bool   // orders: add associate_id
	Purchase  string // orders: the shared purchase rule (jobs.PurchasePredicate)
}

// sql renders the input query file name for this run's job, refusing one
// that reads a table the job did not declare.
func (r *run) sql(name string) (string, error) {
	if u := queries.Undeclared(name, reads[r.job]); len(u) > 0 {
		return "", fmt.Errorf("job %s: sql/%s.sql reads %s, which the job does not declare (metricjobs reads)", r.job, name, strings.Join(u, ", "))
	}
	return queries.Render(name, warehouse.SQLOf(r.wh.Dialect()), inputs{Status: r.cancelledStatus(), End: r.end, Associate: r.associate,
		Purchase: "(" + jobs.PurchasePredicate(r.env.Cfg.Models.CLV.MinAmount) + ")"})
}

// cancelledStatus is the SQL expression that keeps a cancelled status
// (the metrics' list, compared lower-cased as they do) and is NULL for
// any other.
func (r *run) cancelledStatus() string {
	list := r.common.CancelledStatuses
	if list == nil {
		list = metrics.DefaultCancelledStatuses
	}
	if len(list) == 0 {
		return "CAST(NULL AS STRING)"
	}
	q := warehouse.SQLOf(r.wh.Dialect())
	vals := make([]string, len(list))
	for i, v := range list {
		vals[i] = q.String(strings.ToLower(v))
	}
	return "CASE WHEN lower(status) IN (" + strings.Join(vals, ", ") + ") THEN status END"
}

// tsLiteral renders the instant t as a timestamp literal of the warehouse.
func tsLiteral(wh warehouse.Warehouse, t time.Time) string {
	return warehouse.SQLOf(wh.Dialect()).TimestampUTC(t)
}

// lines reads the order lines; the sales and profit jobs of one chain read
// them once (jobs.Env.SharedQuery).
func (r *run) lines() ([]arrow.RecordBatch, error) {
	q, err := r.sql("lines")
	if err != nil {
		return nil, err
	}
	return r.shared("order_lines", q, JobSales, JobProfit)
}

// orders reads the orders; withAssociate adds associate_id. The jobs that
// read them without it share one read in a chain.
func (r *run) orders(withAssociate bool) ([]arrow.RecordBatch, error) {
	r.associate = withAssociate
	q, err := r.sql("orders")
	r.associate = false
	if err != nil {
		return nil, err
	}
	if withAssociate {
		return r.query("orders", q)
	}
	return r.shared("orders", q, JobGrowth, JobCampaign, JobSocial)
}

// shared reads a required input that the readers jobs of one chain read
// once between them.
func (r *run) shared(what, q string, readers ...string) ([]arrow.RecordBatch, error) {
	recs, err := r.env.SharedQuery(q, readers, func() ([]arrow.RecordBatch, error) { return r.wh.Query(r.ctx, q) })
	return r.keep(what, recs, err)
}

func (r *run) products() ([]arrow.RecordBatch, error) {
	return r.optional("products", []string{"sku", "category", "brand", "unit_cost"}, "products")
}

func (r *run) stores() ([]arrow.RecordBatch, error) {
	return r.optional("stores", []string{"store_id", "store_name", "region"}, "stores")
}

func (r *run) customers() ([]arrow.RecordBatch, error) {
	return r.optional("customers", []string{"customer_id", "region"}, "customers")
}

func money(v float64) string { return fmt.Sprintf("%.2f", v) }

// skus lists missing-cost SKUs for a message.
func skus(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return " (SKUs " + strings.Join(list, ", ") + ")"
}

func lineNotes(s metrics.LineStats) string {
	msg := fmt.Sprintf("%d order lines read, %d cancelled skipped", s.Lines, s.CancelledLines)
	if s.UndatedLines > 0 {
		msg += fmt.Sprintf(", %d without order_ts skipped", s.UndatedLines)
	}
	msg += fmt.Sprintf("; %d lines returned in full; %d lines without unit cost%s kept out of cost and profit", s.ReturnedLines, s.MissingCostLines, skus(s.MissingCostSKUs))
	return msg
}

func orderNotes(s metrics.OrderStats) string {
	return fmt.Sprintf("%d orders read: %d purchases used; left out %d anonymous, %d cancelled, %d with net <= 0 (refunded in full or free)",
		s.Orders, s.Purchases, s.AnonymousPurchases, s.CancelledOrders, s.NonPositiveOrders)
}

// purchaseNotes is orderNotes for a metric that counts the shared purchase
// rule (the orders' purchase column).
func purchaseNotes(s metrics.OrderStats) string {
	return fmt.Sprintf("%d orders read: %d purchases used (shared purchase rule); left out %d anonymous, %d not purchases (returns, refunded in full, under models.clv.min_amount)",
		s.Orders, s.Purchases, s.AnonymousPurchases, s.NotPurchases)
}

func runProfit(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	r, err := newRun(ctx, env, JobProfit)
	if err != nil {
		return jobs.Result{}, err
	}
	defer r.release()
	if err := r.planMonths(profitSpec); err != nil {
		return jobs.Result{}, err
	}
	lines, err := r.monthLines()
	if err != nil {
		return jobs.Result{}, err
	}
	products, err := r.products()
	if err != nil {
		return jobs.Result{}, err
	}
	recs, st, err := metrics.Profit(lines, products, metrics.ProfitOptions{Common: r.common})
	if err != nil {
		return jobs.Result{}, err
	}
	if err := r.profitLifetime(products); err != nil {
		warehouse.Release(recs)
		return jobs.Result{}, err
	}
	r.release()
	n, err := r.write(JobProfit, metrics.ProfitSchema, recs)
	if err != nil {
		return jobs.Result{}, err
	}
	return r.result(n, fmt.Sprintf("%d customers, %d orders (%d purchases, %d anonymous); refunds on %d orders (%d in full) totalling %s; %d orders have lines without unit cost, %s of net sales without profit; %s",
		st.Customers, st.Orders, st.Purchases, st.AnonymousOrders, st.RefundedOrders, st.FullyRefundedOrders, money(st.RefundAmount),
		st.MissingCostOrders, money(st.MissingCostNetSales), lineNotes(st.LineStats))), nil
}

func runSales(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	r, err := newRun(ctx, env, JobSales)
	if err != nil {
		return jobs.Result{}, err
	}
	defer r.release()
	if err := r.planMonths(salesSpec); err != nil {
		return jobs.Result{}, err
	}
	lines, err := r.monthLines()
	if err != nil {
		return jobs.Result{}, err
	}
	products, err := r.products()
	if err != nil {
		return jobs.Result{}, err
	}
	stores, err := r.stores()
	if err != nil {
		return jobs.Result{}, err
	}
	customers, err := r.customers()
	if err != nil {
		return jobs.Result{}, err
	}
	recs, st, err := metrics.Sales(lines, products, stores, customers, metrics.SalesOptions{Common: r.common})
	if err != nil {
		return jobs.Result{}, err
	}
	r.release()
	n, err := r.write(JobSales, metrics.SalesSchema, recs)
	if err != nil {
		return jobs.Result{}, err
	}
	return r.result(n, fmt.Sprintf("%d orders (%d purchases, %d anonymous); refunds on %d orders totalling %s; %s",
		st.Orders, st.Purchases, st.AnonymousOrders, st.RefundedOrders, money(st.RefundAmount), lineNotes(st.LineStats))), nil
}

func runGrowth(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	r, err := newRun(ctx, env, JobGrowth)
	if err != nil {
		return jobs.Result{}, err
	}
	defer r.release()
	orders, err := r.orders(false)
	if err != nil {
		return jobs.Result{}, err
	}
	customers, err := r.customers()
	if err != nil {
		return jobs.Result{}, err
	}
	stores, err := r.stores()
	if err != nil {
		return jobs.Result{}, err
	}
	days := env.Cfg.Models.Growth.ChurnDays
	if days <= 0 {
		days = metrics.DefaultChurnDays
	}
	recs, st, err := metrics.Growth(orders, customers, stores, metrics.GrowthOptions{Common: r.common, ChurnDays: days})
	if err != nil {
		return jobs.Result{}, err
	}
	r.release()
	n, err := r.write(JobGrowth, metrics.GrowthSchema, recs)
	if err != nil {
		return jobs.Result{}, err
	}
	return r.result(n, fmt.Sprintf("%d customers with purchases, churn window %d days; %s", st.Customers, days, purchaseNotes(st.OrderStats))), nil
}

func runCampaign(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	r, err := newRun(ctx, env, JobCampaign)
	if err != nil {
		return jobs.Result{}, err
	}
	defer r.release()
	if res, handled, err := r.campaignFromBase(); handled || err != nil {
		return res, err
	}
	campaigns, err := r.optional("campaigns", []string{"campaign_id", "campaign_name", "channel", "start_date", "end_date", "spend"},
		"campaigns")
	if err != nil {
		return jobs.Result{}, err
	}
	contacts, err := r.optional("campaign_contacts", []string{"campaign_id", "contact_group", "contacted_ts", "customer_id"},
		"contacts")
	if err != nil {
		return jobs.Result{}, err
	}
	days := env.Cfg.Models.Campaign.WindowDays
	if days <= 0 {
		days = metrics.DefaultCampaignWindowDays
	}
	orders, err := r.campaignOrders(days)
	if err != nil {
		return jobs.Result{}, err
	}
	recs, st, err := metrics.CampaignEffect(campaigns, contacts, orders, metrics.CampaignOptions{Common: r.common, WindowDays: days})
	if err != nil {
		return jobs.Result{}, err
	}
	r.release()
	n, err := r.write(JobCampaign, metrics.CampaignSchema, recs)
	if err != nil {
		return jobs.Result{}, err
	}
	return r.result(n, fmt.Sprintf("%d campaigns (%d without a control group, reported without uplift), window %d days; %d contacts: %d without a customer, %d after the as-of date, %d with a bad group, %d undated; %s",
		st.Campaigns, st.WithoutControl, days, st.Contacts, st.UnresolvedContacts, st.LaterContacts, st.BadGroupContacts, st.UndatedContacts,
		orderNotes(st.OrderStats))), nil
}

func runCredit(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	r, err := newRun(ctx, env, JobCredit)
	if err != nil {
		return jobs.Result{}, err
	}
	defer r.release()
	days := env.Cfg.Models.Credit.WindowDays
	if days <= 0 {
		days = metrics.DefaultCreditWindowDays
	}
	if res, handled, err := r.creditFromContrib(days); handled || err != nil {
		return res, err
	}
	orders, err := r.creditOrders(days)
	if err != nil {
		return jobs.Result{}, err
	}
	stores, err := r.stores()
	if err != nil {
		return jobs.Result{}, err
	}
	recs, st, err := metrics.ChannelCredit(orders, stores, metrics.CreditOptions{Common: r.common, WindowDays: days})
	if err != nil {
		return jobs.Result{}, err
	}
	r.release()
	n, err := r.write(JobCredit, metrics.CreditSchema, recs)
	if err != nil {
		return jobs.Result{}, err
	}
	return r.result(n, fmt.Sprintf("%d of %d customers first bought in a store (%d without an associate, %d store receipts without store_id not credited); %d online orders, %s credited within %d days; %s",
		st.StoreRecruited, st.Customers, st.NoAssociate, st.StoreFirstWithoutStore, st.CreditedOrders, money(st.CreditedRevenue), days,
		orderNotes(st.OrderStats))), nil
}

func runSocial(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	r, err := newRun(ctx, env, JobSocial)
	if err != nil {
		return jobs.Result{}, err
	}
	defer r.release()
	interactions, err := r.optional("social_interactions", []string{"platform", "openid", "ts", "action", "content_category", "customer_id"},
		"interactions")
	if err != nil {
		return jobs.Result{}, err
	}
	accounts, err := r.optional("social_accounts", []string{"platform", "openid", "followed_ts", "unfollowed_ts", "customer_id"},
		"accounts")
	if err != nil {
		return jobs.Result{}, err
	}
	customers, err := r.customers()
	if err != nil {
		return jobs.Result{}, err
	}
	day := r.asOf.Format(time.DateOnly)
	tiers, err := r.optional("rfm", []string{"as_of", "customer_id", "tier"}, "rfm", day)
	if err != nil {
		return jobs.Result{}, err
	}
	// lifecycle_stage has one row per customer (its channel column is the
	// channel of the latest purchase, not a split).
	stages, err := r.optional("lifecycle_stage", []string{"as_of", "customer_id", "aipl_stage", "pyramid_stage"},
		"stages", day)
	if err != nil {
		return jobs.Result{}, err
	}
	empty := ""
	for _, m := range []struct {
		table string
		recs  []arrow.RecordBatch
	}{{"rfm", tiers}, {"lifecycle_stage", stages}} {
		if !slices.Contains(r.missing, m.table) && warehouse.NumRows(m.recs) == 0 {
			empty += fmt.Sprintf("; %s has no rows for %s", m.table, day)
		}
	}
	days := env.Cfg.Models.Social.ConversionDays
	if days <= 0 {
		days = metrics.DefaultConversionDays
	}
	orders, err := r.socialOrders(days)
	if err != nil {
		return jobs.Result{}, err
	}
	recs, st, err := metrics.SocialEngagement(interactions, accounts, customers, tiers, stages, orders,
		metrics.SocialOptions{Common: r.common, ConversionDays: days})
	if err != nil {
		return jobs.Result{}, err
	}
	r.release()
	n, err := r.write(JobSocial, metrics.SocialSchema, recs)
	if err != nil {
		return jobs.Result{}, err
	}
	msg := fmt.Sprintf("%d interactions (%d by accounts not linked to a customer); %d accounts, %d linked, %d followers, conversion window %d days; tiers for %d customers, stages for %d (others 'unknown')",
		st.Interactions-st.LaterInteractions, st.UnlinkedInteractions, st.Accounts, st.LinkedAccounts, st.Followers, days,
		st.TieredCustomers, st.StagedCustomers)
	msg += empty
	return r.result(n, msg), nil
}
