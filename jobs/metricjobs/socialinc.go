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

// social_engagement kept up to date from what changed. The mart's
// interaction rows are sums over contribution keys (a linked customer, or
// an account without one): per month, a key adds its interactions and
// actions, its distinct accounts (users) and 1 customer when linked, under
// its region, RFM tier and lifecycle stages (and per category for the
// category and region_category rows). social_counts holds those sums; the
// state behind them is
//   - social_acct: every account with interactions, its record key and the
//     customer it is counted under;
//   - social_follow: every follow with the customer it converted to, if
//     any (the followers rows);
//   - social_cust: the region, tier and stages each customer is counted
//     under;
//   - social_loads_seen: the loads folded in, with their row counts and load times.
//
// A nightly folds the interactions of the loads not seen yet (and, when the
// as-of day moved forward, the rows between the two ends), relinks the
// accounts whose customer is not the counted one, and finds the customers
// whose region, tier or stages changed (a day moves a few thousand of a
// million); it subtracts the old sums of every changed key and adds the
// new ones, both read from the raw interactions of the changed keys'
// accounts only (sql/social_inc_*.sql). The mart is then rendered from
// social_counts with the followers (metrics.SocialEngagementFromCounts),
// whose rows are recomputed from social_accounts and the orders.
//
// Everything is refolded from the raw rows, with the reason in the message
// and the log, when there is no watermark, the settings changed (version,
// zone), a state table is missing, a folded load changed or went away, or
// the as-of date moved back. run --full, warehouses without cheap keyed
// updates (BigQuery), warehouses without the raw tables, and time zones
// that DuckDB cannot name take the reference path
// (metrics.SocialEngagement) and leave the state as it is.

// socialVersion changes when the state's rows change meaning, so a new
// build refolds them.
const socialVersion = "social-state 2"

var socialState = []struct {
	name   string
	schema *arrow.Schema
}{
	{"social_acct", arrow.NewSchema([]arrow.Field{
		{Name: "platform", Type: arrow.BinaryTypes.String}, {Name: "openid", Type: arrow.BinaryTypes.String},
		{Name: "rkey", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)},
	{"social_cust", arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String}, {Name: "region", Type: arrow.BinaryTypes.String},
		{Name: "tier", Type: arrow.BinaryTypes.String}, {Name: "aipl", Type: arrow.BinaryTypes.String},
		{Name: "pyr", Type: arrow.BinaryTypes.String},
	}, nil)},
	{"social_counts", arrow.NewSchema([]arrow.Field{
		{Name: "month", Type: arrow.PrimitiveTypes.Int32}, {Name: "dimension", Type: arrow.BinaryTypes.String},
		{Name: "key", Type: arrow.BinaryTypes.String}, {Name: "subkey", Type: arrow.BinaryTypes.String},
		{Name: "interactions", Type: arrow.PrimitiveTypes.Int64}, {Name: "views", Type: arrow.PrimitiveTypes.Int64},
		{Name: "likes", Type: arrow.PrimitiveTypes.Int64}, {Name: "comments", Type: arrow.PrimitiveTypes.Int64},
		{Name: "shares", Type: arrow.PrimitiveTypes.Int64}, {Name: "clicks", Type: arrow.PrimitiveTypes.Int64},
		{Name: "users", Type: arrow.PrimitiveTypes.Int64}, {Name: "customers", Type: arrow.PrimitiveTypes.Int64},
	}, nil)},
	{"social_follow", arrow.NewSchema([]arrow.Field{
		{Name: "platform", Type: arrow.BinaryTypes.String}, {Name: "openid", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: socialTS, Nullable: true}, {Name: "u", Type: socialTS, Nullable: true},
		{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "converted", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)},
	{"social_loads_seen", arrow.NewSchema([]arrow.Field{
		{Name: "load_id", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "loaded_at", Type: socialTS, Nullable: true},
	}, nil)},
}

func init() {
	for _, t := range socialState {
		extraWrites[JobSocial] = append(extraWrites[JobSocial], t.name)
	}
	extraWrites[JobSocial] = append(extraWrites[JobSocial], jobs.WatermarksTable)
	// The seed reads the mart it has just written (sql/social_inc_counts_seed.sql).
	reads[JobSocial] = append(reads[JobSocial], append([]string{JobSocial, jobs.WatermarksTable}, jobs.ChangeLogTables...)...)
	for _, t := range socialState {
		reads[JobSocial] = append(reads[JobSocial], t.name)
	}
}

// socialArgs are the parameters of the social_inc_*.sql files.
type socialArgs struct {
	inputs
	Zone, Day, From        string
	Days                   int
	Customers, RFM, Stages bool   // the optional class tables exist
	Changed                string // the customers whose orders core changed (social_inc_follow_clear.sql)
	All                    bool   // every kept follow is recomputed
}

// socialIncSQL renders a social_inc file for the running job (render).
func (r *run) socialIncSQL(name string, a socialArgs) (string, error) {
	d := warehouse.SQLOf(r.wh.Dialect())
	a.inputs = inputs{Status: r.cancelledStatus(), End: r.end}
	a.Zone = d.String(r.common.Location.String())
	a.Day = d.String(r.asOf.Format(time.DateOnly))
	return r.render(name, a)
}

// socialHash is the settings hash of social_engagement's watermark: what
// the state's rows depend on besides the tables it compares each run.
func (r *run) socialHash(days int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\n%s\n%d\n%s", socialVersion, r.common.Location, days, r.cancelledStatus())))
	return hex.EncodeToString(h[:])[:16]
}

// socialPlan is how a run keeps social_engagement's state: seed (reason
// set: the reference computation runs and the state is rebuilt beside its
// mart) or update (reason empty).
type socialPlan struct {
	hash, reason string
	to           int64
	args         socialArgs
}

// socialPlanFor decides how the run keeps the state; nil: the run takes
// the reference path and leaves the state alone.
func (r *run) socialPlanFor(days int) (*socialPlan, error) {
	if r.env.Full || !warehouse.CapabilitiesOf(r.wh.Dialect()).IncrementalUpdates {
		return nil, nil
	}
	if loc := r.common.Location.String(); loc == "" || loc == "Local" {
		return nil, nil
	}
	p := &socialPlan{hash: r.socialHash(days), args: socialArgs{Days: days}}
	for _, t := range []struct {
		table string
		cols  []string
		has   *bool // nil: required
	}{
		{"raw_social_interactions", []string{"_load_id", "platform", "openid", "ts", "action", "content_category"}, nil},
		{"identity_assignments", []string{"rec_table", "rec_key", "customer_id"}, nil},
		{"social_accounts", []string{"platform", "openid", "followed_ts", "unfollowed_ts", "customer_id"}, nil},
		{"orders", []string{"order_ts", "customer_id", "status", "net_amount"}, nil},
		{"customers", []string{"customer_id", "region"}, &p.args.Customers},
		{"rfm", []string{"as_of", "customer_id", "tier"}, &p.args.RFM},
		{"lifecycle_stage", []string{"as_of", "customer_id", "aipl_stage", "pyramid_stage"}, &p.args.Stages},
	} {
		have, err := r.columns(t.table, t.cols...)
		if err != nil {
			return nil, err
		}
		all := true
		for _, c := range t.cols {
			all = all && have[c]
		}
		if t.has != nil {
			*t.has = all
		} else if !all {
			return nil, nil
		}
	}
	ch, err := jobs.ChangesSince(r.ctx, r.wh, JobSocial, p.hash, r.common.Location)
	if err != nil {
		return nil, err
	}
	p.to = ch.To
	p.args.All, p.args.Changed = ch.Everything, ch.CustomersSQL()
	w, ok, err := jobs.ReadWatermark(r.ctx, r.wh, JobSocial)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		p.reason = "no watermark for " + JobSocial
	case w.ConfigHash != p.hash:
		p.reason = "the job's settings changed since its last run"
	case w.AsOf.IsZero():
		p.reason = "the watermark has no as-of date"
	case w.AsOf.Format(time.DateOnly) > r.asOf.Format(time.DateOnly):
		p.reason = "the as-of date moved back from " + w.AsOf.Format(time.DateOnly)
	}
	for _, t := range socialState {
		if p.reason != "" {
			break
		}
		ok, err := warehouse.TableExists(r.ctx, r.wh, t.name)
		if err != nil {
			return nil, fmt.Errorf("look up %s: %w", t.name, err)
		}
		if !ok {
			p.reason = "no " + t.name + " yet"
		}
	}
	if p.reason == "" {
		if p.reason, err = r.socialLoadsChanged(); err != nil {
			return nil, err
		}
	}
	if p.reason == "" && w.AsOf.Format(time.DateOnly) != r.asOf.Format(time.DateOnly) {
		y, m, d := w.AsOf.Date() // the civil date recorded (read as UTC midnight)
		p.args.From = tsLiteral(r.wh, time.Date(y, m, d+1, 0, 0, 0, 0, r.common.Location))
	}
	if p.reason != "" && r.env.Log != nil {
		r.env.Log.Info("social_engagement state rebuilt beside the reference computation", "reason", p.reason)
	}
	return p, nil
}

// socialTx runs the state files of steps in one transaction, then fn.
func (r *run) socialTx(p *socialPlan, steps []string, fn func(tx warehouse.Tx) error) error {
	return r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
		for _, t := range socialState {
			create := warehouse.CreateTable
			if p.reason != "" {
				create = warehouse.RecreateTable
			}
			if err := create(r.ctx, tx, t.name, t.schema); err != nil {
				return fmt.Errorf("create %s: %w", t.name, err)
			}
		}
		for _, name := range steps {
			q, err := r.socialIncSQL(name, p.args)
			if err != nil {
				return err
			}
			t := time.Now()
			if err := tx.Exec(r.ctx, q); err != nil {
				return fmt.Errorf("social_engagement: sql/%s.sql: %w", name, err)
			}
			if r.env.Log != nil {
				r.env.Log.Debug("social_engagement step", "sql", name, "seconds", time.Since(t).Seconds())
			}
		}
		if err := fn(tx); err != nil {
			return err
		}
		temps := []string{"social_da", "social_r", "social_c", "social_k", "social_fn"}
		if slices.Contains(steps, "social_inc_delta_init") {
			temps = append(temps, "social_delta", "social_nc")
		}
		for _, t := range temps {
			if err := tx.Exec(r.ctx, "DROP TABLE IF EXISTS "+t); err != nil {
				return fmt.Errorf("social_engagement: drop %s: %w", t, err)
			}
		}
		return jobs.SetWatermark(r.ctx, tx, JobSocial, p.to, p.hash, r.asOf)
	})
}

// socialStateSteps bring social_acct and social_cust up to date and find
// the changed keys (social_k).
var socialStateSteps = []string{"social_inc_fresh", "social_inc_accounts", "social_inc_relink", "social_inc_class", "social_inc_keys"}

// socialSeedWrite writes the reference computation's mart and rebuilds the
// state beside it: accounts, customers' classes and loads from the tables,
// social_counts from the mart's interaction rows.
func (r *run) socialSeedWrite(p *socialPlan, recs []arrow.RecordBatch) (int64, error) {
	defer warehouse.Release(recs)
	steps := append(append([]string{}, socialStateSteps...), "social_inc_relink_apply", "social_inc_cust_clear", "social_inc_cust_set",
		"social_inc_seen_set", "social_inc_follow_now", "social_inc_follow_add")
	err := r.socialTx(p, steps, func(tx warehouse.Tx) error {
		if err := jobs.WriteMartTx(r.ctx, tx, JobSocial, r.asOf, metrics.SocialSchema, recs); err != nil {
			return err
		}
		q, err := r.socialIncSQL("social_inc_counts_seed", p.args)
		if err != nil {
			return err
		}
		if err := tx.Exec(r.ctx, q); err != nil {
			return fmt.Errorf("social_engagement: sql/social_inc_counts_seed.sql: %w", err)
		}
		return nil
	})
	return warehouse.NumRows(recs), err
}

// socialUpdate brings the state up to date from what changed and renders
// the mart from it.
func (r *run) socialUpdate(p *socialPlan, days int) (jobs.Result, error) {
	t0 := time.Now()
	var keys, fresh, relinked int64
	var recs []arrow.RecordBatch
	steps := append(append([]string{}, socialStateSteps...), "social_inc_delta_init", "social_inc_contrib",
		"social_inc_relink_apply", "social_inc_cust_clear", "social_inc_cust_set",
		"social_inc_counts_new", "social_inc_counts_clear", "social_inc_counts_set",
		"social_inc_seen_clear", "social_inc_seen_set", "social_inc_follow_now", "social_inc_follow_clear", "social_inc_follow_add")
	err := r.socialTx(p, steps, func(tx warehouse.Tx) error {
		for _, c := range []struct {
			n     *int64
			table string
		}{{&fresh, "social_da"}, {&relinked, "social_r"}, {&keys, "social_k"}} {
			n, err := warehouse.Int64(r.ctx, tx, "SELECT count(*) FROM "+c.table)
			if err != nil {
				return fmt.Errorf("social_engagement: count %s: %w", c.table, err)
			}
			*c.n = n
		}
		query := func(name string) ([]arrow.RecordBatch, error) {
			q, err := r.socialIncSQL(name, p.args)
			if err != nil {
				return nil, err
			}
			recs, err := tx.Query(r.ctx, q)
			if err != nil {
				warehouse.Release(recs)
				return nil, fmt.Errorf("social_engagement: sql/%s.sql: %w", name, err)
			}
			r.read = append(r.read, recs)
			r.rowsIn += warehouse.NumRows(recs)
			return recs, nil
		}
		counts, err := query("social_inc_counts")
		if err != nil {
			return err
		}
		follows, err := query("social_inc_follows")
		if err != nil {
			return err
		}
		if recs, err = metrics.SocialEngagementFromCounts(counts, follows, metrics.SocialOptions{Common: r.common, ConversionDays: days}); err != nil {
			return err
		}
		return jobs.WriteMartTx(r.ctx, tx, JobSocial, r.asOf, metrics.SocialSchema, recs)
	})
	defer warehouse.Release(recs)
	if err != nil {
		return jobs.Result{}, err
	}
	return r.result(warehouse.NumRows(recs), fmt.Sprintf("incremental: %d accounts with new interactions, %d accounts relinked, %d customers or accounts recounted; conversion window %d days; %.2fs",
		fresh, relinked, keys, days, time.Since(t0).Seconds())), nil
}

// socialLoadsChanged returns why the state must be refolded when a load
// it folded in has gone, changed size or been loaded again ("" when none
// has).
func (r *run) socialLoadsChanged() (string, error) {
	type load struct {
		n        int64
		loadedAt time.Time
	}
	read := func(name string) (map[string]load, error) {
		q, err := r.socialIncSQL(name, socialArgs{})
		if err != nil {
			return nil, err
		}
		recs, err := r.wh.Query(r.ctx, q)
		defer warehouse.Release(recs)
		if err != nil {
			return nil, fmt.Errorf("social_engagement: sql/%s.sql: %w", name, err)
		}
		out := map[string]load{}
		for _, rec := range recs {
			for i := 0; i < int(rec.NumRows()); i++ {
				out[warehouse.StringAt(rec, 0, i)] = load{warehouse.Int64At(rec, 1, i), warehouse.TimeAt(rec, 2, i)}
			}
		}
		return out, nil
	}
	seen, err := read("social_inc_seen")
	if err != nil {
		return "", err
	}
	now, err := read("social_inc_loads")
	if err != nil {
		return "", err
	}
	for id, was := range seen {
		is, ok := now[id]
		switch {
		case !ok:
			return "load " + id + " of raw_social_interactions is gone", nil
		case is.n != was.n:
			return fmt.Sprintf("load %s of raw_social_interactions has %d rows, %d when folded in", id, is.n, was.n), nil
		case !is.loadedAt.Equal(was.loadedAt):
			return fmt.Sprintf("load %s of raw_social_interactions was loaded again (%s, folded in from the load of %s)", id,
				is.loadedAt.UTC().Format(time.RFC3339), was.loadedAt.UTC().Format(time.RFC3339)), nil
		}
	}
	return "", nil
}

// socialTS is the type of social_follow's instants (TIMESTAMPTZ, as
// social_accounts has them).
var socialTS = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
