package metricjobs

import (
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

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
	JobSocial:   {"social_interactions", "raw_social_interactions", "load_files", "identity_assignments", "social_accounts", "customers", "rfm", "lifecycle_stage", "orders"},
}

// inputs are the values the input queries take besides table names.
type inputs struct {
	Status    string // the cancelled-status expression
	End       string // first instant after the as-of day, a SQL literal
	Associate bool   // orders: add associate_id
	Purchase  string // orders: the shared purchase rule (jobs.PurchasePredicate)
}

// render renders sql/<name>.sql with data for this run's job, refusing a
// file that names a table the job does not declare: one it reads (reads)
// or writes besides its mart (extraWrites). Every file a job runs goes
// through here.
func (r *run) render(name string, data any) (string, error) {
	declared := append(slices.Clone(reads[r.job]), extraWrites[r.job]...)
	if u := queries.Undeclared(name, declared); len(u) > 0 {
		return "", fmt.Errorf("job %s: sql/%s.sql names %s, which the job does not declare (metricjobs reads, extraWrites)", r.job, name, strings.Join(u, ", "))
	}
	return queries.Render(name, warehouse.SQLOf(r.wh.Dialect()), data)
}

// sql renders the input query file name for this run's job (render).
func (r *run) sql(name string) (string, error) {
	return r.render(name, inputs{Status: r.cancelledStatus(), End: r.end, Associate: r.associate,
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
	return mustRender("cancelled_status", q, struct{ Statuses string }{strings.Join(vals, ", ")})
}

// mustRender renders a file whose data is plain strings, so the only error
// is a defect in the file itself (TestMetricSQLRenders renders each one).
func mustRender(name string, d warehouse.SQL, data any) string {
	s, err := queries.Render(name, d, data)
	if err != nil {
		panic(err)
	}
	return s
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
