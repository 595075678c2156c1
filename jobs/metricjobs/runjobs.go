package metricjobs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The metric jobs share one frame (runMart): a run for the job, its
// reads (readAll, or readMonths for the month-partitioned marts, which
// plan the months first), the metric, the inputs released before the
// write, the write of the as-of date's rows, and the result with the
// common message tail. A job whose incremental path brought its mart up to
// date itself returns that result (martOut.done) and writes nothing more.

// martOut is what a metric job's body gives runMart: the mart's rows with
// their schema and the message, or the result of a run that is done.
type martOut struct {
	schema *arrow.Schema
	recs   []arrow.RecordBatch
	msg    string
	done   *jobs.Result
}

// runMart runs body in the frame above for job.
func runMart(ctx context.Context, env *jobs.Env, job string, body func(r *run) (martOut, error)) (jobs.Result, error) {
	r, err := newRun(ctx, env, job)
	if err != nil {
		return jobs.Result{}, err
	}
	defer r.release()
	out, err := body(r)
	if err != nil || out.done != nil {
		warehouse.Release(out.recs)
		if err != nil {
			return jobs.Result{}, err
		}
		return *out.done, nil
	}
	r.release()
	n, err := r.write(job, out.schema, out.recs)
	if err != nil {
		return jobs.Result{}, err
	}
	return r.result(n, out.msg), nil
}

// finished is the martOut of a run done by its incremental path (handled),
// or nothing when the reference path is still to run.
func finished(res jobs.Result, handled bool, err error) (*martOut, error) {
	if err != nil {
		return &martOut{}, err
	}
	if handled {
		return &martOut{done: &res}, nil
	}
	return nil, nil
}

// input is one read of a job's body: read's batches go to *dst.
type input struct {
	dst  *[]arrow.RecordBatch
	read func() ([]arrow.RecordBatch, error)
}

func in(dst *[]arrow.RecordBatch, read func() ([]arrow.RecordBatch, error)) input {
	return input{dst: dst, read: read}
}

// readAll runs the reads in order and stops at the first error. The
// batches are the run's (released with it).
func (r *run) readAll(ins ...input) error {
	for _, i := range ins {
		recs, err := i.read()
		if err != nil {
			return err
		}
		*i.dst = recs
	}
	return nil
}

// readMonths plans the months of spec's mart (monthly.go), then reads.
func (r *run) readMonths(spec monthSpec, ins ...input) error {
	if err := r.planMonths(spec); err != nil {
		return err
	}
	return r.readAll(ins...)
}

func runProfit(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	return runMart(ctx, env, JobProfit, func(r *run) (martOut, error) {
		var lines, products []arrow.RecordBatch
		if err := r.readMonths(profitSpec, in(&lines, r.monthLines), in(&products, r.products)); err != nil {
			return martOut{}, err
		}
		opt := metrics.ProfitOptions{Common: r.common}
		var recs []arrow.RecordBatch
		var st metrics.ProfitStats
		var err error
		if r.plan != nil { // the customer rows come from profit_cells (writeCells)
			recs, r.plan.cells, st, err = metrics.ProfitWithCells(lines, products, opt)
		} else {
			recs, st, err = metrics.Profit(lines, products, opt)
		}
		return martOut{schema: metrics.ProfitSchema, recs: recs, msg: fmt.Sprintf("%d customers, %d orders (%d purchases, %d anonymous); refunds on %d orders (%d in full) totalling %s; %d orders have lines without unit cost, %s of net sales without profit; %s",
			st.Customers, st.Orders, st.Purchases, st.AnonymousOrders, st.RefundedOrders, st.FullyRefundedOrders, money(st.RefundAmount),
			st.MissingCostOrders, money(st.MissingCostNetSales), lineNotes(st.LineStats))}, err
	})
}

func runSales(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	return runMart(ctx, env, JobSales, func(r *run) (martOut, error) {
		var lines, products, stores, customers []arrow.RecordBatch
		if err := r.readMonths(salesSpec, in(&lines, r.monthLines), in(&products, r.products), in(&stores, r.stores),
			in(&customers, r.monthCustomers)); err != nil {
			return martOut{}, err
		}
		recs, st, err := metrics.Sales(lines, products, stores, customers, metrics.SalesOptions{Common: r.common})
		return martOut{schema: metrics.SalesSchema, recs: recs, msg: fmt.Sprintf("%d orders (%d purchases, %d anonymous); refunds on %d orders totalling %s; %s",
			st.Orders, st.Purchases, st.AnonymousOrders, st.RefundedOrders, money(st.RefundAmount), lineNotes(st.LineStats))}, err
	})
}

func runGrowth(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	return runMart(ctx, env, JobGrowth, func(r *run) (martOut, error) {
		days := env.Cfg.Models.Growth.ChurnDays
		if days <= 0 {
			days = metrics.DefaultChurnDays
		}
		if out, err := finished(r.growthFromContrib(days)); out != nil {
			return *out, err
		}
		var orders, customers, stores []arrow.RecordBatch
		if err := r.readAll(in(&orders, func() ([]arrow.RecordBatch, error) { return r.orders(false) }), in(&customers, r.customers),
			in(&stores, r.stores)); err != nil {
			return martOut{}, err
		}
		recs, st, err := metrics.Growth(orders, customers, stores, metrics.GrowthOptions{Common: r.common, ChurnDays: days})
		return martOut{schema: metrics.GrowthSchema, recs: recs,
			msg: fmt.Sprintf("%d customers with purchases, churn window %d days; %s", st.Customers, days, purchaseNotes(st.OrderStats))}, err
	})
}

func runCampaign(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	return runMart(ctx, env, JobCampaign, func(r *run) (martOut, error) {
		if out, err := finished(r.campaignFromBase()); out != nil {
			return *out, err
		}
		days := env.Cfg.Models.Campaign.WindowDays
		if days <= 0 {
			days = metrics.DefaultCampaignWindowDays
		}
		var campaigns, contacts, orders []arrow.RecordBatch
		if err := r.readAll(
			in(&campaigns, func() ([]arrow.RecordBatch, error) {
				return r.optional("campaigns", []string{"campaign_id", "campaign_name", "channel", "start_date", "end_date", "spend"}, "campaigns")
			}),
			in(&contacts, func() ([]arrow.RecordBatch, error) {
				return r.optional("campaign_contacts", []string{"campaign_id", "contact_group", "contacted_ts", "customer_id"}, "contacts")
			}),
			in(&orders, func() ([]arrow.RecordBatch, error) { return r.campaignOrders(days) })); err != nil {
			return martOut{}, err
		}
		recs, st, err := metrics.CampaignEffect(campaigns, contacts, orders, metrics.CampaignOptions{Common: r.common, WindowDays: days})
		return martOut{schema: metrics.CampaignSchema, recs: recs, msg: fmt.Sprintf("%d campaigns (%d without a control group, reported without uplift), window %d days; %d contacts: %d without a customer, %d after the as-of date, %d with a bad group, %d undated; %s",
			st.Campaigns, st.WithoutControl, days, st.Contacts, st.UnresolvedContacts, st.LaterContacts, st.BadGroupContacts, st.UndatedContacts,
			orderNotes(st.OrderStats))}, err
	})
}

func runCredit(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	return runMart(ctx, env, JobCredit, func(r *run) (martOut, error) {
		days := env.Cfg.Models.Credit.WindowDays
		if days <= 0 {
			days = metrics.DefaultCreditWindowDays
		}
		if out, err := finished(r.creditFromContrib(days)); out != nil {
			return *out, err
		}
		var orders, stores []arrow.RecordBatch
		if err := r.readAll(in(&orders, func() ([]arrow.RecordBatch, error) { return r.creditOrders(days) }), in(&stores, r.stores)); err != nil {
			return martOut{}, err
		}
		recs, st, err := metrics.ChannelCredit(orders, stores, metrics.CreditOptions{Common: r.common, WindowDays: days})
		return martOut{schema: metrics.CreditSchema, recs: recs, msg: fmt.Sprintf("%d of %d customers first bought in a store (%d without an associate, %d store receipts without store_id not credited); %d online orders, %s credited within %d days; %s",
			st.StoreRecruited, st.Customers, st.NoAssociate, st.StoreFirstWithoutStore, st.CreditedOrders, money(st.CreditedRevenue), days,
			orderNotes(st.OrderStats))}, err
	})
}

func runSocial(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	r, err := newRun(ctx, env, JobSocial)
	if err != nil {
		return jobs.Result{}, err
	}
	defer r.release()
	days := env.Cfg.Models.Social.ConversionDays
	if days <= 0 {
		days = metrics.DefaultConversionDays
	}
	plan, err := r.socialPlanFor(days)
	if err != nil {
		return jobs.Result{}, err
	}
	if plan != nil && plan.reason == "" {
		return r.socialUpdate(plan, days)
	}
	interactions, err := r.socialInteractions()
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
	orders, err := r.socialOrders(days)
	if err != nil {
		return jobs.Result{}, err
	}
	recs, st, err := metrics.SocialEngagementOf(interactions, accounts, customers, tiers, stages, orders,
		metrics.SocialOptions{Common: r.common, ConversionDays: days})
	if err != nil {
		return jobs.Result{}, err
	}
	r.release()
	var n int64
	if plan != nil {
		n, err = r.socialSeedWrite(plan, recs)
	} else {
		n, err = r.write(JobSocial, metrics.SocialSchema, recs)
	}
	if err != nil {
		return jobs.Result{}, err
	}
	msg := fmt.Sprintf("%d interactions (%d by accounts not linked to a customer); %d accounts, %d linked, %d followers, conversion window %d days; tiers for %d customers, stages for %d (others 'unknown')",
		st.Interactions-st.LaterInteractions, st.UnlinkedInteractions, st.Accounts, st.LinkedAccounts, st.Followers, days,
		st.TieredCustomers, st.StagedCustomers)
	msg += empty
	if plan != nil {
		msg += "; state rebuilt (" + plan.reason + ")"
	}
	return r.result(n, msg), nil
}
