package metricjobs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// channel_credit from per-customer contributions. Every figure of the
// mart but a store's name and region is a sum over customers of what one
// customer adds (metrics.CreditContributions: the recruiting month and
// pair, the credited online orders, revenue and the buyer per month), and
// what a customer adds depends only on that customer's orders up to the
// end of the as-of day. The job keeps those rows in
// channel_credit_contrib (as of the watermark's base as-of date) and a
// nightly replaces the rows of the customers whose orders core changed
// (jobs.ChangesSince: both sides of a merge, every customer of a
// re-exported or late order) and of the customers with an order between
// the end of the base as-of day and the end of the new one; the mart is
// the sums of the kept rows plus the new ones, joined to stores in
// metrics.CreditFromContributions. stores are read whole on every run
// (names and regions are looked up only there), so a change to them needs
// no recompute; the change log does not cover them and need not.
//
// Every contribution is recomputed (the reason in the message) when
// jobs.ChangesSince says so (no watermark, core rebuilt, settings changed:
// the window, the store channels, the cancelled statuses and the zone go
// into the hash), when the contribution table is missing or when the
// as-of date moved backwards (orders the base counted are out again).
// run --full and warehouses without cheap keyed updates (BigQuery) take
// the reference path (metrics.ChannelCredit over the orders) and leave the
// contributions and the watermark as they are: those stay consistent with
// each other, and the change log keeps every row after the watermark.

// creditContrib is the table of channel_credit's per-customer contributions.
const creditContrib = "channel_credit_contrib"

// creditVersion changes when the contribution rows change meaning, so a
// new build recomputes every one.
const creditVersion = "credit-contrib 1"

func init() {
	reads[JobCredit] = append(reads[JobCredit], append([]string{creditContrib, jobs.WatermarksTable}, jobs.ChangeLogTables...)...)
	extraWrites[JobCredit] = []string{creditContrib, jobs.WatermarksTable}
}

// creditArgs are the parameters of the credit_*.sql files.
type creditArgs struct {
	Status, End, BaseEnd string
	From, To             int64
	Touched              string // credit_touched.sql rendered
	All                  bool
}

// creditSQL renders a credit file for the running job (render).
func (r *run) creditSQL(name string, a creditArgs) (string, error) {
	a.Status, a.End = r.cancelledStatus(), r.end
	return r.render(name, a)
}

// creditHash is the settings hash of channel_credit's watermark.
func (r *run) creditHash(days int) string {
	loc := r.common.Location.String() // newRun always sets it
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%q\x00%q\x00%s", creditVersion, days,
		metrics.DefaultStoreChannels, r.cancelledStatus(), loc)))
	return hex.EncodeToString(h[:])
}

// creditFromContrib runs channel_credit from the contribution table;
// handled is false when the run takes the reference path instead.
func (r *run) creditFromContrib(days int) (res jobs.Result, handled bool, err error) {
	if r.env.Full || !warehouse.CapabilitiesOf(r.wh.Dialect()).IncrementalUpdates {
		return jobs.Result{}, false, nil
	}
	hash := r.creditHash(days)
	ch, err := jobs.IncrementalSince(r.ctx, r.wh, JobCredit, hash, r.common.Location, r.asOf,
		jobs.Base{Tables: []string{creditContrib}, AsOfNeeded: true, Forward: true})
	if err != nil {
		return jobs.Result{}, true, err
	}
	reason := ch.Reason
	opt := metrics.CreditOptions{Common: r.common, WindowDays: days}
	a := creditArgs{All: reason != ""}
	var orders []arrow.RecordBatch
	if a.All {
		orders, err = r.narrowOrders("credit_orders", days, true)
	} else {
		y, m, d := ch.AsOf.Date() // the civil date recorded (read as UTC midnight)
		a.BaseEnd = tsLiteral(r.wh, time.Date(y, m, d+1, 0, 0, 0, 0, r.common.Location))
		a.From, a.To = ch.From, ch.To
		if a.Touched, err = r.creditSQL("credit_touched", a); err != nil {
			return jobs.Result{}, true, err
		}
		var q string
		if q, err = r.creditSQL("credit_touched_orders", a); err != nil {
			return jobs.Result{}, true, err
		}
		orders, err = r.query("orders", q)
	}
	if err != nil {
		return jobs.Result{}, true, err
	}
	contrib, st, err := metrics.CreditContributions(orders, opt)
	if err != nil {
		return jobs.Result{}, true, err
	}
	defer warehouse.Release(contrib)
	sums := contrib
	if !a.All {
		q, err := r.creditSQL("credit_contrib_kept", a)
		if err != nil {
			return jobs.Result{}, true, err
		}
		kept, err := r.query(creditContrib, q)
		if err != nil {
			return jobs.Result{}, true, err
		}
		sums = append(slices.Clone(kept), contrib...)
	}
	stores, err := r.stores()
	if err != nil {
		return jobs.Result{}, true, err
	}
	recs, err := metrics.CreditFromContributions(sums, stores, opt)
	if err != nil {
		return jobs.Result{}, true, err
	}
	defer warehouse.Release(recs)
	clear, err := r.creditSQL("credit_contrib_clear", a)
	if err != nil {
		return jobs.Result{}, true, err
	}
	err = r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
		if err := warehouse.CreateTable(r.ctx, tx, creditContrib, metrics.CreditContribSchema); err != nil {
			return fmt.Errorf("create %s: %w", creditContrib, err)
		}
		if err := tx.Exec(r.ctx, clear); err != nil {
			return fmt.Errorf("clear the recomputed rows of %s: %w", creditContrib, err)
		}
		if _, err := tx.Load(r.ctx, creditContrib, contrib...); err != nil {
			return fmt.Errorf("write %s: %w", creditContrib, err)
		}
		if err := jobs.WriteMartTx(r.ctx, tx, JobCredit, r.asOf, metrics.CreditSchema, recs); err != nil {
			return err
		}
		return jobs.SetWatermark(r.ctx, tx, JobCredit, ch.To, hash, r.asOf)
	})
	if err != nil {
		return jobs.Result{}, true, err
	}
	var how string
	if a.All {
		how = fmt.Sprintf("contributions of every customer recomputed (%s): %d of %d customers read first bought in a store (%d without an associate)",
			reason, st.StoreRecruited, st.Customers, st.NoAssociate)
	} else {
		how = fmt.Sprintf("incremental: contributions recomputed for the customers whose orders changed after change %d or who ordered after %s (%d with purchases, %d store-recruited), the others' kept",
			ch.From, ch.AsOf.Format(time.DateOnly), st.Customers, st.StoreRecruited)
	}
	return r.result(warehouse.NumRows(recs), fmt.Sprintf("%s; %d online orders, %s credited within %d days among them; %s",
		how, st.CreditedOrders, money(st.CreditedRevenue), days, orderNotes(st.OrderStats))), true, nil
}
