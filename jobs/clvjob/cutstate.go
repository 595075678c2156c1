package clvjob

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/clv"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// customer_cut_state is the per-customer state at the holdout's cut (the
// day before the CLV holdout weeks start, models.clv.holdout_weeks before
// the as-of day): each customer's purchase days on or before it and the
// last of them (clv.CutState), the day itself in customer_cut_meta. With
// customer_state it gives the holdout check's summaries without reading
// the history of every customer who bought in the holdout weeks
// (clv.HoldoutFromStateCuts; the clv job reads it joined with the
// states). The customer_state job keeps it in the warehouse, row by row: as the as-of day moves the cut moves with it, and
// each customer's purchase days in the days it passed (one day's purchases
// a night, aggregated in Go and staged in customer_cut_delta) are added to
// its row; the customers in customer_changes are made again from the
// purchases the job reads for them. It is made from every purchase when
// customer_state is rebuilt, when it is missing, and when the cut moves
// back.

// CutStateSchema is the schema of customer_cut_state.
var CutStateSchema = arrow.NewSchema([]arrow.Field{
	{Name: "customer_id", Type: arrow.BinaryTypes.String},
	{Name: "days", Type: arrow.PrimitiveTypes.Int64},
	{Name: "last_day", Type: arrow.FixedWidthTypes.Date32},
}, nil)

// CutMetaSchema is customer_cut_meta: the cut day (one row).
var CutMetaSchema = arrow.NewSchema([]arrow.Field{{Name: "cut", Type: arrow.FixedWidthTypes.Date32}}, nil)

// holdoutCut is the cut day (a day number) of the holdout check at the
// as-of day, and false without a holdout.
func holdoutCut(env *jobs.Env, asOf time.Time) (int32, bool) {
	days := int(env.Cfg.Models.CLV.HoldoutWeeks * 7)
	if days <= 0 {
		return 0, false
	}
	calEnd := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	return clv.DayNumber(calEnd.AddDate(0, 0, -days)), true
}

// readCutMeta returns the cut customer_cut_state is at, and false when
// there is none (a table missing or no row).
func readCutMeta(ctx context.Context, wh warehouse.Warehouse, declared []string) (int32, bool, error) {
	for _, t := range []string{"customer_cut_state", "customer_cut_meta"} {
		ok, err := warehouse.TableExists(ctx, wh, t)
		if err != nil || !ok {
			return 0, false, err
		}
	}
	q, err := render(wh, "cut_meta", declared, nil)
	if err != nil {
		return 0, false, err
	}
	recs, err := wh.Query(ctx, q)
	defer warehouse.Release(recs)
	if err != nil {
		return 0, false, fmt.Errorf("read customer_cut_meta: %w", err)
	}
	if warehouse.NumRows(recs) != 1 {
		return 0, false, nil
	}
	d, ok := recs[0].Column(0).(*array.Date32)
	if !ok || !d.IsValid(0) {
		return 0, false, fmt.Errorf("customer_cut_meta: unexpected batch %s", recs[0].Schema())
	}
	return int32(d.Value(0)), true, nil
}

// dayStart is the first instant of day number d in loc.
func dayStart(d int32, loc *time.Location) time.Time {
	y, m, dd := time.Unix(int64(d)*86400, 0).UTC().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// cutUpdate is what a customer_state run writes to customer_cut_state:
// with full every row (rows), else the rows of the changed customers
// (rows) and each other customer's purchase days in the days the cut moved
// past (advance); cut is the new cut. No rows and not full: no holdout.
type cutUpdate struct {
	full          bool
	rows, advance []clv.CutState
	cut           int32
	reason        string // why every row was made again from every purchase ("" otherwise)
}

// nextCutState makes the cut state at the run's as-of day. changed says
// whether p holds the purchases of the customers in customer_changes only
// (else every purchase).
func nextCutState(ctx context.Context, env *jobs.Env, p *clv.Purchases, changed bool) (cutUpdate, error) {
	asOf, err := env.ResolveAsOf(ctx)
	if err != nil {
		return cutUpdate{}, err
	}
	cut, ok := holdoutCut(env, asOf)
	if !ok {
		return cutUpdate{}, nil
	}
	up := cutUpdate{cut: cut}
	if !changed {
		up.full, up.rows = true, p.CutStates(cut)
		return up, nil
	}
	old, has, err := readCutMeta(ctx, env.WH, stateReads)
	if err != nil {
		return up, err
	}
	switch {
	case !has:
		up.reason = "no customer_cut_state yet"
	case old > cut:
		up.reason = "the holdout's cut moved back"
	}
	loc := locOf(env.Cfg)
	purchase := jobs.PurchasePredicate(env.Cfg.Models.CLV.MinAmount)
	if up.reason != "" {
		all, _, err := readPurchases(ctx, env.WH, stateReads, purchaseArgs{Purchase: purchase}, loc)
		if err != nil {
			return up, fmt.Errorf("customer_cut_state: %w", err)
		}
		up.full, up.rows = true, all.CutStates(cut)
		return up, nil
	}
	up.rows = p.CutStates(cut)
	if cut > old {
		ids, err := changedIDs(ctx, env.WH)
		if err != nil {
			return up, err
		}
		d := warehouse.SQLOf(env.WH.Dialect())
		args := purchaseArgs{Purchase: purchase, Start: warehouse.TimestampLiteral(d, dayStart(old+1, loc)), End: warehouse.TimestampLiteral(d, dayStart(cut+1, loc))}
		window, _, err := readPurchases(ctx, env.WH, stateReads, args, loc)
		if err != nil {
			return up, fmt.Errorf("customer_cut_state: %w", err)
		}
		// From no state, the window's own days and last day: what each
		// customer adds to its row.
		delta := map[string]clv.CutState{}
		if err := clv.AdvanceCutStates(delta, window, old, cut, ids); err != nil {
			return up, fmt.Errorf("customer_cut_state: %w", err)
		}
		up.advance = make([]clv.CutState, 0, len(delta))
		for _, c := range delta {
			up.advance = append(up.advance, c)
		}
	}
	return up, nil
}

// changedIDs are the customers in customer_changes.
func changedIDs(ctx context.Context, wh warehouse.Warehouse) (map[string]bool, error) {
	q, err := render(wh, "changed_ids", stateReads, nil)
	if err != nil {
		return nil, err
	}
	recs, err := wh.Query(ctx, q)
	defer warehouse.Release(recs)
	if err != nil {
		return nil, fmt.Errorf("read customer_changes: %w", err)
	}
	out := map[string]bool{}
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			out[warehouse.StringAt(r, 0, i)] = true
		}
	}
	return out, nil
}

// cutStateUpdate writes up (nothing without a holdout: no steps). With
// full every row is written again; else the changed customers' rows are
// cleared, the others advanced by up.advance (staged in
// customer_cut_delta: advance_cut adds the days to the rows there,
// insert_cut_delta inserts the customers first seen), and the changed
// customers' rows made again (staged the same way). The cut is recorded
// last.
func cutStateUpdate(up cutUpdate) (stateUpdate, func()) {
	if !up.full && up.rows == nil {
		return stateUpdate{what: "customer_cut_state"}, func() {}
	}
	u := stateUpdate{what: "customer_cut_state", tables: []stateTable{
		{"customer_cut_state", CutStateSchema}, {"customer_cut_meta", CutMetaSchema}, {"customer_cut_delta", CutStateSchema}}}
	var recs []arrow.RecordBatch
	batch := func(rows []clv.CutState) arrow.RecordBatch {
		r := cutStateRecord(rows)
		recs = append(recs, r)
		return r
	}
	if up.full {
		u.steps = []stateStep{sqlStep("clear_cut"), loadStep("customer_cut_state", batch(up.rows))}
	} else {
		u.steps = []stateStep{sqlStep("clear_cut_changed")}
		if len(up.advance) > 0 {
			u.steps = append(u.steps, sqlStep("clear_cut_delta"), loadStep("customer_cut_delta", batch(up.advance)),
				sqlStep("advance_cut"), sqlStep("insert_cut_delta"))
		}
		u.steps = append(u.steps, sqlStep("clear_cut_delta"), loadStep("customer_cut_delta", batch(up.rows)),
			sqlStep("insert_cut_delta"), sqlStep("clear_cut_delta"))
	}
	u.steps = append(u.steps, sqlStep("clear_cut_meta"), sqlStep("write_cut_meta", time.Unix(int64(up.cut)*86400, 0).UTC().Format(time.DateOnly)))
	return u, func() {
		for _, r := range recs {
			r.Release()
		}
	}
}

// cutStateRecord is rows as one batch of CutStateSchema (the caller
// releases it).
func cutStateRecord(rows []clv.CutState) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, CutStateSchema)
	defer b.Release()
	b.Reserve(len(rows))
	for _, c := range rows {
		b.Field(0).(*array.StringBuilder).Append(c.ID)
		b.Field(1).(*array.Int64Builder).Append(int64(c.Days))
		b.Field(2).(*array.Date32Builder).Append(arrow.Date32(c.LastDay))
	}
	return b.NewRecordBatch()
}
