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
	opt := metrics.ProfitOptions{Common: r.common}
	var recs []arrow.RecordBatch
	var st metrics.ProfitStats
	if r.plan != nil { // the customer rows come from profit_cells (writeCells)
		recs, r.plan.cells, st, err = metrics.ProfitWithCells(lines, products, opt)
	} else {
		recs, st, err = metrics.Profit(lines, products, opt)
	}
	if err != nil {
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
	customers, err := r.monthCustomers()
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
	days := env.Cfg.Models.Growth.ChurnDays
	if days <= 0 {
		days = metrics.DefaultChurnDays
	}
	if res, handled, err := r.growthFromContrib(days); handled || err != nil {
		return res, err
	}
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
	days := env.Cfg.Models.Social.ConversionDays
	if days <= 0 {
		days = metrics.DefaultConversionDays
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
