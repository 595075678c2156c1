package jobs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// PurchasePredicate is the SQL condition on a row of orders that makes it
// a purchase for CLV, cohorts and RFM: some quantity bought (units > 0, so
// a return is never a purchase) and a net amount of at least minAmount
// (models.clv.min_amount, inclusive), unless refunds took all of it. With
// the default 0 a $0.00 transaction is a purchase, as the BG/NBD
// literature and its reference implementations count it, and an order
// refunded in full is not. An order whose status is a cancelled one
// (metrics.DefaultCancelledStatuses, the statuses the sales figures leave
// out; core stores status lower-cased) is not a purchase either, so a
// customer whose only order was cancelled is no buyer on any card.
func PurchasePredicate(minAmount float64) string {
	cancelled := make([]string, len(metrics.DefaultCancelledStatuses))
	for i, s := range metrics.DefaultCancelledStatuses {
		cancelled[i] = "'" + strings.ReplaceAll(strings.ToLower(s), "'", "''") + "'"
	}
	return fmt.Sprintf("units > 0 AND net_amount >= %s AND (net_amount > 0 OR refund_amount = 0) AND coalesce(status, '') NOT IN (%s)",
		strconv.FormatFloat(minAmount, 'f', -1, 64), strings.Join(cancelled, ", "))
}

// PurchasesSQL reads one row per purchase (customer_ix, order_ts,
// net_amount) of stitched customers (PurchasePredicate), customers numbered
// densely in id order (sql/purchases/cte.sql); its parameter is the end of
// the as-of day.
func PurchasesSQL(minAmount float64) string {
	return mustRender(purchasesSQL, "purchases", warehouse.SQLOf(nil), struct{ Predicate string }{PurchasePredicate(minAmount)})
}

// PurchaseCustomersSQL reads the customer numbering of PurchasesSQL
// (customer_ix, customer_id) for the same parameter.
func PurchaseCustomersSQL(minAmount float64) string {
	return mustRender(purchasesSQL, "customers", warehouse.SQLOf(nil), struct{ Predicate string }{PurchasePredicate(minAmount)})
}

// The jobs that read the purchases (PurchasesSQL) and their customer
// numbering (PurchaseCustomersSQL); in a chain they share one read. rfm
// is not among them: it scores from customer_state, and its reference path
// (run --full, BigQuery) reads on its own rather than have a chain hold
// the batches for a reader that usually never comes.
var (
	purchaseReaders         = []string{"clv", "cohorts"}
	purchaseCustomerReaders = []string{"clv"}
)

// ReadPurchases runs PurchasesSQL for end (the end of the as-of day, RFC
// 3339), once for the purchase readers of a chain (Env.SharedQuery). The
// caller releases the batches.
func ReadPurchases(ctx context.Context, env *Env, end string) ([]arrow.RecordBatch, error) {
	return env.SharedQuery("purchases|"+instantKey(end), purchaseReaders, func() ([]arrow.RecordBatch, error) {
		return env.WH.Query(ctx, PurchasesSQL(env.Cfg.Models.CLV.MinAmount), end)
	})
}

// ReadPurchaseCustomers runs PurchaseCustomersSQL for end, shared like
// ReadPurchases.
func ReadPurchaseCustomers(ctx context.Context, env *Env, end string) ([]arrow.RecordBatch, error) {
	return env.SharedQuery("purchase customers|"+instantKey(end), purchaseCustomerReaders, func() ([]arrow.RecordBatch, error) {
		return env.WH.Query(ctx, PurchaseCustomersSQL(env.Cfg.Models.CLV.MinAmount), end)
	})
}

// instantKey is the instant of an RFC 3339 time as a key (the same
// instant written in another zone is the same key).
func instantKey(s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.RFC3339)
	}
	return s
}

// ZoneName is the business time zone's name as customer_state_meta records
// it ("UTC" when none is configured); readers of customer_state compare it
// with this to know the state's days are in their zone.
func ZoneName(cfg *config.Config) string {
	if cfg.Location == nil {
		return "UTC"
	}
	return cfg.Location.String()
}
