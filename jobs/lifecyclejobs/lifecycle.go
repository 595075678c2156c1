// Package lifecyclejobs is the job glue of the lifecycle model: it reads
// orders, social interactions, social accounts and campaign contacts from
// the core tables as Arrow, one after the other into a lifecycle.Collector,
// runs the model for the as-of date and the same day one month before,
// and writes the lifecycle_stage,
// lifecycle_counts and lifecycle_flows marts (rows of one as-of date are
// replaced, other dates kept). Importing the package registers the job
// "lifecycle".
package lifecyclejobs

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/lifecycle"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// JobName is the name of the lifecycle job.
const JobName = "lifecycle"

// The input queries are the files in sql/.
//
//go:embed sql/*.sql
var sqlFS embed.FS

var queries = sqlfile.MustParse(sqlFS, "sql")

// reads and writes declare the job's tables (jobs.Job.Reads/Writes);
// Compute refuses a query file naming a table outside reads.
var (
	reads  = []string{"orders", "social_interactions", "raw_social_interactions", "identity_assignments", "social_accounts", "campaign_contacts", "campaigns"}
	writes = []string{"lifecycle_stage", "lifecycle_counts", "lifecycle_flows"}
)

var registerOnce sync.Once

// Register adds the lifecycle job to the model registry; cmd/crmkit calls
// it at start. Later calls do nothing.
func Register() { registerOnce.Do(func() { jobs.RegisterModel(JobName, NewJob) }) }

// NewJob returns the lifecycle job for cfg.
func NewJob(cfg *config.Config) *jobs.Job {
	return &jobs.Job{
		Name:   JobName,
		Group:  "models",
		Reads:  reads,
		Writes: writes,
		Run:    run,
		// Before the jobs of Sequence 2, social_engagement among them.
		Sequence: 1,
		// It reads millions of events (6.3M at 1M customers): the garbage
		// of the jobs before is given back first, so that its peak does not
		// come on top of theirs.
		Alone: true,
	}
}

// Params maps the config (models.lifecycle windows, time zone) onto the
// model's parameters.
func Params(cfg *config.Config) lifecycle.Params {
	l := cfg.Models.Lifecycle
	p := lifecycle.Params{
		AwareDays: l.AwareDays, InterestDays: l.InterestDays, PurchaseDays: l.PurchaseDays,
		LoyalMinDays: l.LoyalMinDays, AdvocateShares: l.AdvocateShares, Location: cfg.Location,
	}
	d := lifecycle.DefaultParams()
	if p.AwareDays == 0 {
		p.AwareDays = d.AwareDays
	}
	if p.InterestDays == 0 {
		p.InterestDays = d.InterestDays
	}
	if p.PurchaseDays == 0 {
		p.PurchaseDays = d.PurchaseDays
	}
	if p.LoyalMinDays == 0 {
		p.LoyalMinDays = d.LoyalMinDays
	}
	if p.AdvocateShares == 0 {
		p.AdvocateShares = d.AdvocateShares
	}
	if p.Location == nil {
		p.Location = time.UTC
	}
	return p
}

func run(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	start := time.Now()
	asOf, err := env.ResolveAsOf(ctx)
	if err != nil {
		return jobs.Result{}, fmt.Errorf("lifecycle: resolve as-of: %w", err)
	}
	p := Params(env.Cfg)
	// The full path reads every event; the recent path reduces those older
	// than the windows of both dates that look at them (Cutoffs, sql/*.sql
	// with .Cut), to the same stages.
	// run --full and warehouses without cheap keyed updates take the full
	// path, which stays the reference.
	recent := !env.Full && warehouse.CapabilitiesOf(env.WH.Dialect()).IncrementalUpdates
	res, err := compute(ctx, env.WH, p, asOf, lifecycle.PrevMonth(asOf), recent)
	if err != nil {
		return jobs.Result{}, err
	}
	out, err := Write(ctx, env.WH, res)
	if err != nil {
		return jobs.Result{}, err
	}
	var a [5]int64
	for _, c := range res.Counts {
		if c.View == lifecycle.ViewAIPL && c.Channel == lifecycle.ChannelAll {
			switch c.Stage {
			case "aware":
				a[0] = c.Customers
			case "interested":
				a[1] = c.Customers
			case "purchased":
				a[2] = c.Customers
			case "loyal":
				a[3] = c.Customers
			}
		}
	}
	return jobs.Result{
		RowsIn:  res.Events + res.Ignored + res.AnonymousOrders,
		RowsOut: out,
		Message: fmt.Sprintf("as of %s vs %s: %d customers in a stage (A %d, I %d, P %d, L %d) of %d known, %d anonymous receipts, %d events (%d rows ignored) in %.2fs",
			res.AsOf.Format(time.DateOnly), res.PrevAsOf.Format(time.DateOnly), len(res.Customers), a[0], a[1], a[2], a[3],
			res.KnownCustomers, res.AnonymousOrders, res.Events, res.Ignored, time.Since(start).Seconds()),
	}, nil
}

// Purchase rule of the orders table: every order except a fully refunded
// one (a refund that leaves nothing paid) is a purchase; the same rule
// applies to anonymous receipts.
const purchaseFilter = `NOT (coalesce(refund_amount, 0) > 0 AND coalesce(net_amount, 0) <= 0)`

// Compute reads the inputs up to the end of the as-of day and runs the
// model for asOf and prevAsOf. Tables that do not exist (no social or
// campaign source configured) count as empty.
func Compute(ctx context.Context, wh warehouse.Warehouse, p lifecycle.Params, asOf, prevAsOf time.Time) (*lifecycle.Result, error) {
	return compute(ctx, wh, p, asOf, prevAsOf, false)
}

// compute is Compute; with recent, the events of each kind before the
// start of the earliest window of either date that looks at them (Cutoffs)
// are reduced to each customer's latest second, which gives the same result (see sql/orders.sql) from far
// fewer rows.
func compute(ctx context.Context, wh warehouse.Warehouse, p lifecycle.Params, asOf, prevAsOf time.Time, recent bool) (*lifecycle.Result, error) {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := asOf.In(loc).Date()
	end := tsLiteral(wh, time.Date(y, m, d+1, 0, 0, 0, 0, loc))
	// Each input is added to the model as soon as it is read and released
	// before the next one is read: the model keeps a packed copy of what it
	// needs, so only one input's batches are held at a time. The model is
	// sized by the first input read (orders, the largest).
	var coll *lifecycle.Collector
	read := func(table, query string, add func(*lifecycle.Collector, arrow.RecordBatch) error) error {
		ok, err := tableExists(ctx, wh, table)
		if err != nil {
			return err
		}
		var recs []arrow.RecordBatch
		if ok {
			if recs, err = wh.Query(ctx, query); err != nil {
				return fmt.Errorf("lifecycle: read %s: %w", table, err)
			}
		}
		defer warehouse.Release(recs)
		if coll == nil {
			if coll, err = lifecycle.NewCollector(asOf, prevAsOf, p, 2*int(warehouse.NumRows(recs))); err != nil {
				return err
			}
		}
		for _, rec := range recs {
			if err := add(coll, rec); err != nil {
				return err
			}
		}
		return nil
	}
	campaigns, err := tableExists(ctx, wh, "campaigns")
	if err != nil {
		return nil, err
	}
	data := struct {
		End, Purchase, Cut string
		Campaigns          bool
	}{End: end, Purchase: purchaseFilter, Campaigns: campaigns}
	cuts := Cutoffs(p, asOf, prevAsOf)
	dialect := warehouse.SQLOf(wh.Dialect())
	interactions := "interactions"
	if recent {
		raw, err := rawInteractions(ctx, wh)
		if err != nil {
			return nil, err
		}
		if raw {
			interactions = "interactions_raw"
		}
	}
	for _, src := range []struct {
		table, file string
		add         func(*lifecycle.Collector, arrow.RecordBatch) error
		cut         time.Time // zero: every row
	}{
		{"orders", "orders", (*lifecycle.Collector).AddOrders, cuts.Purchases},
		{"social_interactions", interactions, (*lifecycle.Collector).AddInteractions, cuts.Interactions},
		{"social_accounts", "follows", (*lifecycle.Collector).AddFollows, time.Time{}},
		{"campaign_contacts", "contacts", (*lifecycle.Collector).AddContacts, cuts.Contacts},
	} {
		if u := queries.Undeclared(src.file, reads); len(u) > 0 {
			return nil, fmt.Errorf("lifecycle: sql/%s.sql reads %s, which the job does not declare", src.file, strings.Join(u, ", "))
		}
		data.Cut = ""
		if recent && !src.cut.IsZero() {
			data.Cut = tsLiteral(wh, src.cut)
		}
		q, err := queries.Render(src.file, dialect, data)
		if err != nil {
			return nil, err
		}
		if err := read(src.table, q, src.add); err != nil {
			return nil, err
		}
	}
	return coll.Compute()
}

// Cuts are the first instants of the earliest windows of the two dates
// that look at each kind of event: purchases (purchase_days),
// interactions (views: aware_days; likes, comments, clicks, shares:
// interest_days) and campaign contacts (aware_days). Every stage rule looks
// at events at or after them; only "bought before the purchase window" and
// the channel of the latest event look further back.
type Cuts struct{ Purchases, Interactions, Contacts time.Time }

// Cutoffs returns the Cuts of the dates asOf and prevAsOf.
func Cutoffs(p lifecycle.Params, asOf, prevAsOf time.Time) Cuts {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	first := prevAsOf
	if asOf.Before(first) {
		first = asOf
	}
	y, m, d := first.In(loc).Date()
	at := func(days int) time.Time { return time.Date(y, m, d+1-days, 0, 0, 0, 0, loc) }
	return Cuts{Purchases: at(p.PurchaseDays), Interactions: at(max(p.AwareDays, p.InterestDays)), Contacts: at(p.AwareDays)}
}

// Write replaces the as-of date's rows of the three marts with res and
// returns the number of rows written.
func Write(ctx context.Context, wh warehouse.Warehouse, res *lifecycle.Result) (int64, error) {
	var n int64
	for _, m := range []struct {
		table  string
		schema *arrow.Schema
		rec    func() arrow.RecordBatch
	}{
		{lifecycle.StageTable, lifecycle.StageSchema, func() arrow.RecordBatch { return res.StageRecord(nil) }},
		{lifecycle.CountsTable, lifecycle.CountsSchema, func() arrow.RecordBatch { return res.CountsRecord(nil) }},
		{lifecycle.FlowsTable, lifecycle.FlowsSchema, func() arrow.RecordBatch { return res.FlowsRecord(nil) }},
	} {
		rec := m.rec()
		err := jobs.WriteMart(ctx, wh, m.table, res.AsOf, m.schema, []arrow.RecordBatch{rec})
		n += rec.NumRows()
		rec.Release()
		if err != nil {
			return n, fmt.Errorf("lifecycle: %w", err)
		}
	}
	return n, nil
}

// tsLiteral renders an instant as a SQL timestamp literal in UTC.
func tsLiteral(wh warehouse.Warehouse, t time.Time) string {
	return warehouse.SQLOf(wh.Dialect()).TimestampUTC(t)
}

// rawInteractions reports whether the recent path reads the interactions
// from raw_social_interactions and identity_assignments (sql/
// interactions_raw.sql): where ingest and stitch made both, as the core
// view social_interactions joins them.
func rawInteractions(ctx context.Context, wh warehouse.Warehouse) (bool, error) {
	for _, t := range []string{"raw_social_interactions", "identity_assignments"} {
		if ok, err := tableExists(ctx, wh, t); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// tableExists reports whether a core table exists.
func tableExists(ctx context.Context, wh warehouse.Warehouse, table string) (bool, error) {
	ok, err := warehouse.TableExists(ctx, wh, table)
	if err != nil {
		return false, fmt.Errorf("lifecycle: look up table %s: %w", table, err)
	}
	return ok, nil
}
