package clvjob

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/clv"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// The per-customer state. customer_state holds one row per stitched
// customer with purchases (jobs.PurchasePredicate), every purchase of
// core counted, whatever the as-of date: first and last purchase day (in
// the config's time zone), distinct purchase days, the first day's value
// and the later days' (clv.State). The customer_state job keeps it up to
// date with core: it recomputes the rows of the customers core lists in
// customer_changes (orders aggregated again, orders a merge moved) from
// their orders, and takes every other row as it is. It rebuilds the table
// from every order, and says why, when core was rebuilt, on run --full,
// when the purchase rule's min_amount or the time zone changed, when a
// table is missing, and on warehouses without cheap keyed updates
// (BigQuery). The clv job reads its summaries from it (X, t_x and T are
// arithmetic on the as-of date). The same job keeps customer_order_state
// (orderstate.go) and customer_cut_state (cutstate.go).

// JobState is the name of the job that maintains customer_state.
const JobState = "customer_state"

//go:embed sql/*.sql
var sqlFS embed.FS

var queries = sqlfile.MustParse(sqlFS, "sql")

// The tables each job declares (jobs.Job.Reads/Writes); render refuses a
// file naming a table outside the running job's reads.
var (
	stateReads  = []string{"orders", "customer_changes", "customer_state", "customer_state_meta", "customer_order_state", "customer_cut_state", "customer_cut_meta", "customer_cut_delta"}
	stateWrites = []string{"customer_state", "customer_state_meta", "customer_changes", "customer_order_state", "customer_cut_state", "customer_cut_meta", "customer_cut_delta"}
	clvReads    = []string{"orders", "customer_changes", "customer_state", "customer_state_meta", "clv_fit", "customer_cut_state", "customer_cut_meta"}
	clvWrites   = []string{"customer_clv", "clv_fit", "clv_holdout"}
)

// StateSchema is the schema of customer_state.
var StateSchema = arrow.NewSchema([]arrow.Field{
	{Name: "customer_id", Type: arrow.BinaryTypes.String},
	{Name: "first_day", Type: arrow.FixedWidthTypes.Date32},
	{Name: "last_day", Type: arrow.FixedWidthTypes.Date32},
	{Name: "days", Type: arrow.PrimitiveTypes.Int64},
	{Name: "first_value", Type: arrow.PrimitiveTypes.Float64},
	{Name: "repeat_value", Type: arrow.PrimitiveTypes.Float64},
}, nil)

// StateMetaSchema is customer_state_meta: the settings customer_state was
// built with (one row).
var StateMetaSchema = arrow.NewSchema([]arrow.Field{
	{Name: "min_amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "zone", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// StateJob is the customer_state job.
func StateJob(cfg *config.Config) *jobs.Job {
	return &jobs.Job{Name: JobState, Group: "models", Reads: stateReads, Writes: stateWrites, Run: runState}
}

// render renders query file name for the warehouse, refusing a file that
// names a table the job does not declare.
func render(wh warehouse.Warehouse, name string, declared []string, data any) (string, error) {
	if u := queries.Undeclared(name, declared); len(u) > 0 {
		return "", fmt.Errorf("sql/%s.sql names undeclared tables %v", name, u)
	}
	return queries.Render(name, warehouse.SQLOf(wh.Dialect()), data)
}

// purchaseArgs are the parameters of sql/purchases.sql.
type purchaseArgs struct {
	Purchase        string
	End, Cut, Start string
	Changed, Recent bool
	IDs             bool
}

// readPurchases reads the purchases that args selects as clv.Purchases
// (purchase days in loc).
func readPurchases(ctx context.Context, wh warehouse.Warehouse, declared []string, args purchaseArgs, loc *time.Location) (*clv.Purchases, int64, error) {
	q, err := render(wh, "purchases", declared, args)
	if err != nil {
		return nil, 0, err
	}
	args.IDs = true
	qi, err := render(wh, "purchases", declared, args)
	if err != nil {
		return nil, 0, err
	}
	recs, err := wh.Query(ctx, q)
	defer func() { warehouse.Release(recs) }()
	if err != nil {
		return nil, 0, fmt.Errorf("read purchases: %w", err)
	}
	custs, err := wh.Query(ctx, qi)
	defer func() { warehouse.Release(custs) }()
	if err != nil {
		return nil, 0, fmt.Errorf("read purchase customers: %w", err)
	}
	ids, err := readIDs(custs)
	if err != nil {
		return nil, 0, err
	}
	p, err := clv.PurchasesFromIndexed(recs, "customer_ix", "order_ts", "net_amount", ids, loc)
	return p, warehouse.NumRows(recs), err
}

// stateMeta is what customer_state was built with, and how far it goes.
type stateMeta struct {
	exists    bool
	minAmount float64
	zone      string
	newest    int32 // newest last_day
	pending   int64 // customers in customer_changes
	every     bool  // customer_changes asks for every customer
	reason    string
}

// readStateMeta reads the state's settings and what core has changed
// since; reason says why the state cannot be used as it is ("" when it
// can, apart from pending).
func readStateMeta(ctx context.Context, env *jobs.Env, declared []string) (stateMeta, error) {
	var m stateMeta
	if !warehouse.CapabilitiesOf(env.WH.Dialect()).IncrementalUpdates {
		m.reason = "this warehouse rebuilds whole tables (no cheap keyed updates)"
		return m, nil
	}
	for _, t := range []string{"customer_state", "customer_state_meta", "customer_changes"} {
		ok, err := warehouse.TableExists(ctx, env.WH, t)
		if err != nil {
			return m, fmt.Errorf("look up %s: %w", t, err)
		}
		if !ok {
			m.reason = "no " + t + " yet"
			return m, nil
		}
	}
	q, err := render(env.WH, "state_meta", declared, nil)
	if err != nil {
		return m, err
	}
	recs, err := env.WH.Query(ctx, q)
	defer warehouse.Release(recs)
	if err != nil {
		return m, fmt.Errorf("read customer_state_meta: %w", err)
	}
	if warehouse.NumRows(recs) != 1 {
		m.reason = "customer_state_meta has no settings"
		return m, nil
	}
	r := recs[0]
	m.exists = true
	m.minAmount, m.zone = warehouse.FloatAt(r, 0, 0), warehouse.StringAt(r, 1, 0)
	if d, ok := r.Column(2).(*array.Date32); ok && d.IsValid(0) {
		m.newest = int32(d.Value(0))
	} else {
		m.newest = -1 << 31
	}
	q, err = render(env.WH, "pending", declared, nil)
	if err != nil {
		return m, err
	}
	pend, err := env.WH.Query(ctx, q)
	defer warehouse.Release(pend)
	if err != nil {
		return m, fmt.Errorf("read customer_changes: %w", err)
	}
	if warehouse.NumRows(pend) == 1 {
		m.pending, m.every = warehouse.Int64At(pend[0], 0, 0), warehouse.Int64At(pend[0], 1, 0) > 0
	}
	cfgMin, cfgZone := env.Cfg.Models.CLV.MinAmount, jobs.ZoneName(env.Cfg)
	switch {
	case m.minAmount != cfgMin:
		m.reason = fmt.Sprintf("models.clv.min_amount is %v, the state was built with %v", cfgMin, m.minAmount)
	case m.zone != cfgZone:
		m.reason = fmt.Sprintf("the time zone is %s, the state's days are in %s", cfgZone, m.zone)
	case m.every:
		m.reason = "core was rebuilt"
	}
	return m, nil
}

func locOf(cfg *config.Config) *time.Location {
	if cfg.Location == nil {
		return time.UTC
	}
	return cfg.Location
}

func runState(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	t0 := time.Now()
	m, err := readStateMeta(ctx, env, stateReads)
	if err != nil {
		return jobs.Result{}, err
	}
	full := m.reason != "" || env.Full
	reason := m.reason
	if env.Full {
		reason = "run --full"
	}
	// customer_order_state follows customer_state, and is built from every
	// order when it is missing (a warehouse from before it).
	hasOrderState, err := warehouse.TableExists(ctx, env.WH, "customer_order_state")
	if err != nil {
		return jobs.Result{}, fmt.Errorf("look up customer_order_state: %w", err)
	}
	// customer_cut_state follows the as-of day.
	cutCurrent := true
	if asOf, err := env.ResolveAsOf(ctx); err != nil {
		return jobs.Result{}, err
	} else if cut, ok := holdoutCut(env, asOf); ok {
		old, has, err := readCutMeta(ctx, env.WH, stateReads)
		if err != nil {
			return jobs.Result{}, err
		}
		cutCurrent = has && old == cut
	}
	if !full && m.pending == 0 && hasOrderState && cutCurrent {
		return jobs.Result{Message: "no customer changed since the last update", Figures: map[string]float64{"customers": 0}}, nil
	}
	args := purchaseArgs{Purchase: jobs.PurchasePredicate(env.Cfg.Models.CLV.MinAmount), Changed: !full}
	p, rowsIn, err := readPurchases(ctx, env.WH, stateReads, args, locOf(env.Cfg))
	if err != nil {
		return jobs.Result{}, err
	}
	cutUp, err := nextCutState(ctx, env, p, !full)
	if err != nil {
		return jobs.Result{}, err
	}
	readSec := time.Since(t0).Seconds()
	states := p.States()
	rec := stateRecord(memory.DefaultAllocator, states)
	defer rec.Release()
	err = env.WH.InTx(ctx, func(tx warehouse.Tx) error {
		if err := warehouse.CreateTable(ctx, tx, "customer_state", StateSchema); err != nil {
			return fmt.Errorf("create customer_state: %w", err)
		}
		del, err := render(env.WH, "clear_state", stateWrites, struct{ Changed bool }{!full})
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, del); err != nil {
			return fmt.Errorf("clear customer_state: %w", err)
		}
		if _, err := tx.Load(ctx, "customer_state", rec); err != nil {
			return fmt.Errorf("write customer_state: %w", err)
		}
		if err := warehouse.CreateTable(ctx, tx, "customer_state_meta", StateMetaSchema); err != nil {
			return fmt.Errorf("customer_state settings: %w", err)
		}
		if err := jobs.EnsureCustomerChanges(ctx, tx); err != nil {
			return fmt.Errorf("customer_state settings: %w", err)
		}
		cutState, release := cutStateUpdate(cutUp)
		defer release()
		for _, u := range []stateUpdate{orderStateUpdate(env.WH, !full && hasOrderState), cutState} {
			if err := u.run(ctx, env.WH, tx); err != nil {
				return err
			}
		}
		for _, name := range []string{"clear_state_meta", "clear_changes"} {
			q, err := render(env.WH, name, stateWrites, nil)
			if err != nil {
				return err
			}
			if err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("customer_state settings: %w", err)
			}
		}
		ins, err := render(env.WH, "write_state_meta", stateWrites, nil)
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, ins, env.Cfg.Models.CLV.MinAmount, jobs.ZoneName(env.Cfg)); err != nil {
			return fmt.Errorf("record customer_state settings: %w", err)
		}
		return nil
	})
	if err != nil {
		return jobs.Result{}, err
	}
	figs := map[string]float64{"customers": float64(len(states)), "read_seconds": readSec}
	var msg string
	if full {
		msg = fmt.Sprintf("rebuilt: %d customers from %d purchases (%s)", len(states), rowsIn, reason)
		env.Log.Info("customer_state rebuilt", "reason", reason, "customers", len(states))
	} else {
		msg = fmt.Sprintf("updated %d changed customers (%d with purchases, from %d purchases); other rows kept", m.pending, len(states), rowsIn)
		figs["changed"] = float64(m.pending)
	}
	if cutUp.reason != "" {
		msg += "; customer_cut_state made from every purchase (" + cutUp.reason + ")"
	}
	if !full && !hasOrderState {
		msg += "; customer_order_state built from every order (it was missing)"
		env.Log.Info("customer_order_state built", "reason", "no customer_order_state yet")
	}
	return jobs.Result{RowsIn: rowsIn, RowsOut: int64(len(states)), Message: msg, Figures: figs}, nil
}

// stateRecord is states as one batch of StateSchema (the caller releases it).
func stateRecord(mem memory.Allocator, states []clv.State) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, StateSchema)
	defer b.Release()
	b.Reserve(len(states))
	id := b.Field(0).(*array.StringBuilder)
	first, last := b.Field(1).(*array.Date32Builder), b.Field(2).(*array.Date32Builder)
	days := b.Field(3).(*array.Int64Builder)
	fv, rv := b.Field(4).(*array.Float64Builder), b.Field(5).(*array.Float64Builder)
	for _, s := range states {
		id.Append(s.ID)
		first.Append(arrow.Date32(s.FirstDay))
		last.Append(arrow.Date32(s.LastDay))
		days.Append(int64(s.Days))
		fv.Append(s.FirstValue)
		rv.Append(s.RepeatValue)
	}
	return b.NewRecordBatch()
}

// readStates reads customer_state in customer id order and, with cut,
// each customer's cut state aligned with it (its zero value when it has
// none; nil without cut).
func readStates(ctx context.Context, wh warehouse.Warehouse, cut bool) ([]clv.State, []clv.CutState, error) {
	q, err := render(wh, "state", clvReads, struct{ Cut bool }{cut})
	if err != nil {
		return nil, nil, err
	}
	recs, err := wh.Query(ctx, q)
	defer warehouse.Release(recs)
	if err != nil {
		return nil, nil, fmt.Errorf("read customer_state: %w", err)
	}
	n := warehouse.NumRows(recs)
	out := make([]clv.State, 0, n)
	var cuts []clv.CutState
	if cut {
		cuts = make([]clv.CutState, 0, n)
	}
	for _, r := range recs {
		first, ok1 := r.Column(1).(*array.Date32)
		last, ok2 := r.Column(2).(*array.Date32)
		days, ok3 := r.Column(3).(*array.Int64)
		fv, ok4 := r.Column(4).(*array.Float64)
		rv, ok5 := r.Column(5).(*array.Float64)
		var cutDays *array.Int64
		var cutLast *array.Date32
		ok6 := true
		if cut {
			var ok7 bool
			cutDays, ok6 = r.Column(6).(*array.Int64)
			cutLast, ok7 = r.Column(7).(*array.Date32)
			ok6 = ok6 && ok7
		}
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
			return nil, nil, fmt.Errorf("customer_state: unexpected batch %s", r.Schema())
		}
		for i := 0; i < int(r.NumRows()); i++ {
			if r.Column(0).IsNull(i) || first.IsNull(i) || last.IsNull(i) || days.IsNull(i) || fv.IsNull(i) || rv.IsNull(i) {
				return nil, nil, fmt.Errorf("customer_state: row %d has a NULL", i)
			}
			id := warehouse.StringAt(r, 0, i)
			out = append(out, clv.State{ID: id, FirstDay: int32(first.Value(i)), LastDay: int32(last.Value(i)),
				Days: int(days.Value(i)), FirstValue: fv.Value(i), RepeatValue: rv.Value(i)})
			if cut {
				c := clv.CutState{ID: id}
				if cutDays.IsValid(i) && cutLast.IsValid(i) {
					c.Days, c.LastDay = int(cutDays.Value(i)), int32(cutLast.Value(i))
				}
				cuts = append(cuts, c)
			}
		}
	}
	return out, cuts, nil
}
