package metricjobs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// growth from per-customer contributions (metrics.GrowthContributions: a
// customer's counts per month under their first channel and region, and
// the day they churn after their last purchase). What a customer adds
// depends only on their own purchases up to the as-of day, their
// golden-record region and the stores' regions, and on the as-of date
// only through that last churn, which the sum (sql/growth_cells.sql)
// counts where churn_date is on or before the as-of date. The job keeps
// the rows in growth_contrib and growth_customers and a nightly replaces
// those of the customers in growth_touched (sql/growth_touched.sql: the
// customers of the orders core changed after the watermark, those whose
// region is not the one their rows were counted under, and, when the
// as-of date moved either way, those with a purchase between the two
// as-of days' ends); the mart is then built from the sums of all the
// kept rows (metrics.GrowthFromCells).
//
// Every contribution is recomputed, from every purchase and with the
// reason in the message and the log, when jobs.ChangesSince says so (no
// watermark, core rebuilt, settings changed: the churn window, the
// purchase rule, the cancelled statuses, the zone, the stores'
// fingerprint and whether a customers table exists go into the hash), when
// a contribution table is missing or when the watermark has no as-of
// date; the mart rows are then metrics.Growth's, computed in the same
// pass. run --full and warehouses without cheap keyed updates (BigQuery)
// take the reference path (metrics.Growth alone) and leave the
// contributions and the watermark as they are, which stay consistent with
// each other.

// growthVersion changes when the contribution rows change meaning, so a
// new build recomputes every one.
const growthVersion = "growth-contrib 2"

var growthTables = []string{"growth_contrib", "growth_customers", "growth_keys", "growth_touched"}

func init() {
	reads[JobGrowth] = append(reads[JobGrowth], append(append([]string{jobs.WatermarksTable}, growthTables...), jobs.ChangeLogTables...)...)
	extraWrites[JobGrowth] = append([]string{jobs.WatermarksTable}, growthTables...)
}

// growthArgs are the parameters of the growth_*.sql files besides inputs'.
type growthArgs struct {
	inputs
	Changed, From, To, AsOf, Table string
	Regions, Window                bool
}

// growthSQL renders a growth file for the running job (render).
func (r *run) growthSQL(name string, a growthArgs) (string, error) {
	d := warehouse.SQLOf(r.wh.Dialect())
	a.inputs = inputs{Status: r.cancelledStatus(), End: r.end, Purchase: "(" + jobs.PurchasePredicate(r.env.Cfg.Models.CLV.MinAmount) + ")"}
	a.AsOf = d.String(r.asOf.Format(time.DateOnly))
	return r.render(name, a)
}

// growthHash is the settings hash of growth's watermark.
func (r *run) growthHash(days int) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n%s\n%s\n%s\n", growthVersion, days, r.common.Location, r.cancelledStatus(), jobs.PurchasePredicate(r.env.Cfg.Models.CLV.MinAmount))
	for _, t := range []string{"stores", "customers"} {
		ok, err := warehouse.TableExists(r.ctx, r.wh, t)
		if err != nil {
			return "", fmt.Errorf("look up %s: %w", t, err)
		}
		fmt.Fprintf(h, "%s %v\n", t, ok)
		if ok && t == "stores" {
			q, err := r.sql("stores_hash")
			if err != nil {
				return "", err
			}
			var s *string
			if err := r.wh.QueryRow(r.ctx, q, nil, &s); err != nil {
				return "", fmt.Errorf("fingerprint stores: %w", err)
			}
			if s != nil {
				fmt.Fprintf(h, "%s\n", *s)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// growthFromContrib runs growth from the contribution tables; handled is
// false when the run takes the reference path instead.
func (r *run) growthFromContrib(days int) (res jobs.Result, handled bool, err error) {
	if r.env.Full || !warehouse.CapabilitiesOf(r.wh.Dialect()).IncrementalUpdates {
		return jobs.Result{}, false, nil
	}
	hash, err := r.growthHash(days)
	if err != nil {
		return jobs.Result{}, true, err
	}
	ch, err := jobs.IncrementalSince(r.ctx, r.wh, JobGrowth, hash, r.common.Location, r.asOf, jobs.Base{Tables: growthTables[:3], AsOfNeeded: true})
	if err != nil {
		return jobs.Result{}, true, err
	}
	reason := ch.Reason
	opt := metrics.GrowthOptions{Common: r.common, ChurnDays: days}
	if reason != "" {
		if r.env.Log != nil {
			r.env.Log.Info("growth contributions of every customer recomputed", "reason", reason)
		}
		return r.growthAll(ch, hash, reason, opt)
	}
	return r.growthTouched(ch, hash, opt)
}

// growthAll computes the mart (metrics.Growth's rows) and every customer's
// contributions from every purchase and writes both with the watermark.
func (r *run) growthAll(ch jobs.Changes, hash, reason string, opt metrics.GrowthOptions) (jobs.Result, bool, error) {
	t0 := time.Now()
	orders, err := r.orders(false)
	if err != nil {
		return jobs.Result{}, true, err
	}
	customers, err := r.customers()
	if err != nil {
		return jobs.Result{}, true, err
	}
	stores, err := r.stores()
	if err != nil {
		return jobs.Result{}, true, err
	}
	t1 := time.Now()
	recs, c, st, err := metrics.GrowthContributions(orders, customers, stores, opt)
	if err != nil {
		return jobs.Result{}, true, err
	}
	defer warehouse.Release(recs)
	defer c.Release()
	r.release()
	t2 := time.Now()
	keyer, err := newGrowthKeyer(nil)
	if err != nil {
		return jobs.Result{}, true, err
	}
	stored, err := keyer.encode(c.Months)
	if err != nil {
		return jobs.Result{}, true, err
	}
	defer warehouse.Release(stored)
	keys := keyer.addedKeys()
	defer keys.Release()
	err = r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
		for _, t := range []struct {
			name   string
			schema *arrow.Schema
			recs   []arrow.RecordBatch
		}{{"growth_contrib", growthStoredSchema, stored}, {"growth_customers", metrics.GrowthCustomerSchema, c.Customers},
			{"growth_keys", growthKeysSchema, []arrow.RecordBatch{keys}}} {
			if err := warehouse.RecreateTable(r.ctx, tx, t.name, t.schema); err != nil {
				return fmt.Errorf("create %s: %w", t.name, err)
			}
			if _, err := tx.Load(r.ctx, t.name, t.recs...); err != nil {
				return fmt.Errorf("write %s: %w", t.name, err)
			}
		}
		if err := jobs.WriteMartTx(r.ctx, tx, JobGrowth, r.asOf, metrics.GrowthSchema, recs); err != nil {
			return err
		}
		return jobs.SetWatermark(r.ctx, tx, JobGrowth, ch.To, hash, r.asOf)
	})
	if err != nil {
		return jobs.Result{}, true, err
	}
	return r.result(warehouse.NumRows(recs), fmt.Sprintf("contributions of every customer recomputed from every purchase (%s): %d customers with purchases, churn window %d days; %s; read %.2fs, model %.2fs, write %.2fs",
		reason, st.Customers, opt.ChurnDays, purchaseNotes(st.OrderStats), t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), time.Since(t2).Seconds())), true, nil
}

// growthTouched recomputes the contributions of the customers touched
// since the watermark and builds the mart from the sums of all of them.
func (r *run) growthTouched(ch jobs.Changes, hash string, opt metrics.GrowthOptions) (jobs.Result, bool, error) {
	regions, err := warehouse.TableExists(r.ctx, r.wh, "customers")
	if err != nil {
		return jobs.Result{}, true, fmt.Errorf("look up customers: %w", err)
	}
	stores, err := r.stores()
	if err != nil {
		return jobs.Result{}, true, err
	}
	a := growthArgs{Changed: ch.CustomersSQL(), Regions: regions}
	if b := ch.AsOf; b.Format(time.DateOnly) != r.asOf.Format(time.DateOnly) {
		y, m, d := b.Date() // the civil date recorded (read as UTC midnight)
		bEnd := time.Date(y, m, d+1, 0, 0, 0, 0, r.common.Location)
		nEnd := r.asOf.AddDate(0, 0, 1)
		lo, hi := bEnd, nEnd
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		a.Window, a.From, a.To = true, tsLiteral(r.wh, lo), tsLiteral(r.wh, hi)
	}
	var touched, cellRows int64
	var recs []arrow.RecordBatch
	var st metrics.GrowthStats
	err = r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
		exec := func(name string, a growthArgs) error {
			q, err := r.growthSQL(name, a)
			if err != nil {
				return err
			}
			if err := tx.Exec(r.ctx, q); err != nil {
				return fmt.Errorf("growth: %s: %w", name, err)
			}
			return nil
		}
		query := func(name string) ([]arrow.RecordBatch, error) {
			q, err := r.growthSQL(name, a)
			if err != nil {
				return nil, err
			}
			recs, err := tx.Query(r.ctx, q)
			if err != nil {
				warehouse.Release(recs)
				return nil, fmt.Errorf("growth: %s: %w", name, err)
			}
			r.read = append(r.read, recs)
			r.rowsIn += warehouse.NumRows(recs)
			return recs, nil
		}
		if err := warehouse.CreateTable(r.ctx, tx, "growth_touched", touchedSchema); err != nil {
			return fmt.Errorf("create growth_touched: %w", err)
		}
		if err := exec("growth_touched_clear", a); err != nil {
			return err
		}
		if err := exec("growth_touched", a); err != nil {
			return err
		}
		q, err := r.growthSQL("growth_touched_count", a)
		if err != nil {
			return err
		}
		if touched, err = warehouse.Int64(r.ctx, tx, q); err != nil {
			return fmt.Errorf("count growth_touched: %w", err)
		}
		orders, err := query("growth_orders")
		if err != nil {
			return err
		}
		var customers []arrow.RecordBatch
		if regions {
			if customers, err = query("growth_customer_rows"); err != nil {
				return err
			}
		}
		mart, c, s, err := metrics.GrowthContributions(orders, customers, stores, opt)
		if err != nil {
			return err
		}
		st = s
		warehouse.Release(mart)
		defer c.Release()
		storedKeys, err := query("growth_keys")
		if err != nil {
			return err
		}
		keyer, err := newGrowthKeyer(storedKeys)
		if err != nil {
			return err
		}
		stored, err := keyer.encode(c.Months)
		if err != nil {
			return err
		}
		defer warehouse.Release(stored)
		for _, t := range []struct {
			name string
			recs []arrow.RecordBatch
		}{{"growth_contrib", stored}, {"growth_customers", c.Customers}} {
			if err := exec("growth_clear", growthArgs{Table: t.name}); err != nil {
				return err
			}
			if _, err := tx.Load(r.ctx, t.name, t.recs...); err != nil {
				return fmt.Errorf("write %s: %w", t.name, err)
			}
		}
		if len(keyer.added) > 0 {
			keys := keyer.addedKeys()
			defer keys.Release()
			if _, err := tx.Load(r.ctx, "growth_keys", keys); err != nil {
				return fmt.Errorf("write growth_keys: %w", err)
			}
		}
		cells, err := query("growth_cells")
		if err != nil {
			return err
		}
		cellRows = warehouse.NumRows(cells)
		if recs, err = metrics.GrowthFromCells(cells, opt); err != nil {
			return err
		}
		if err := jobs.WriteMartTx(r.ctx, tx, JobGrowth, r.asOf, metrics.GrowthSchema, recs); err != nil {
			return err
		}
		return jobs.SetWatermark(r.ctx, tx, JobGrowth, ch.To, hash, r.asOf)
	})
	defer warehouse.Release(recs)
	if err != nil {
		return jobs.Result{}, true, err
	}
	return r.result(warehouse.NumRows(recs), fmt.Sprintf("incremental: contributions of %d customers recomputed (orders changed after change %d, region changed, or a purchase between %s and the as-of day) from %d purchases, the others' kept; %d cells summed; churn window %d days",
		touched, ch.From, ch.AsOf.Format(time.DateOnly), st.Purchases, cellRows, opt.ChurnDays)), true, nil
}
