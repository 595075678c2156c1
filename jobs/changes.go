package jobs

import (
	"context"
	"embed"
	"fmt"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// The change log of core, for the model jobs that bring their marts up to
// date from what changed instead of recomputing the whole history.
//
// Writer (core, in the transaction that changes the core tables): every
// run of BuildCore or UpdateCore takes the next sequence number, records
// it in core_change_runs and appends its changes to core_changes under it:
//   - BuildCore appends one row with everything = true: any mart may have
//     changed anywhere;
//   - UpdateCore appends, for every order it inserts, deletes, aggregates
//     again (re-exports, returns tied to an original) or moves between
//     customers (a merge or split in stitch), the order's customer (before
//     and after, so both sides of a move) and its order_ts (before and
//     after, so a re-export that moves an order to another month touches
//     both months). order_ts is orders.order_ts, the earliest of the
//     order's kept lines; an order whose lines carry different times is
//     recorded by that earliest time only (see Changes.Months).
//
// The log covers orders and order lines only. Tables core rebuilds from
// raw masters (products, stores, campaigns, social accounts, tickets) and
// the customers table stitch writes are not in it: a consumer that reads
// them checks them itself.
//
// Reader (a model job, one watermark per job): ChangesSince gives what
// changed after the job's watermark, as touched customers and months;
// SetWatermark records the sequence number the job's mart now reflects,
// in the same transaction as the mart update, so a failed run leaves the
// old watermark and the next run sees the changes again. A job that
// cannot use the log (Changes.Everything) recomputes in full and records
// its watermark all the same.
//
// Rows below the lowest watermark, and below the newest everything row,
// serve no consumer and are pruned by core.

// The change log's statements are in sql/changes/*.sql. They name their
// tables bare and use no dialect spelling, so they render the same for
// every engine; their data is numbers and conditions built in Go.
//
//go:embed sql/changes/*.sql
var changesFS embed.FS

var changesSQL = sqlfile.MustParse(changesFS, "sql/changes")

// changeSQL renders file name of sql/changes with data (nil for the files
// that take only placeholders).
func changeSQL(name string, data any) string {
	return mustRender(changesSQL, name, warehouse.SQLOf(nil), data)
}

// CoreChangesSchema is core_changes. A row has everything = true (core
// was rebuilt) or one of customer_id and order_ts set.
var CoreChangesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "seq", Type: arrow.PrimitiveTypes.Int64},
	{Name: "everything", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "order_ts", Type: timestampUTC, Nullable: true},
}, nil)

// CoreChangeRunsSchema is core_change_runs: one row per core run that
// wrote to the log (full = BuildCore).
var CoreChangeRunsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "seq", Type: arrow.PrimitiveTypes.Int64},
	{Name: "full", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "at", Type: timestampUTC},
}, nil)

// ModelWatermarksSchema is model_watermarks: per consumer job, the last
// sequence number of core_changes its mart reflects, the hash of the
// settings it was computed with and the as-of date of the mart rows it
// wrote (base_as_of, NULL for a job without one; not named as_of, which
// marks a mart).
var ModelWatermarksSchema = arrow.NewSchema([]arrow.Field{
	{Name: "job", Type: arrow.BinaryTypes.String},
	{Name: "seq", Type: arrow.PrimitiveTypes.Int64},
	{Name: "config_hash", Type: arrow.BinaryTypes.String},
	{Name: "base_as_of", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
}, nil)

// Tables of the change log, for the Reads and Writes of the jobs: core
// writes ChangeLogTables; a consumer reads them and reads and writes
// WatermarksTable (its own state: no edge between consumers).
var (
	ChangeLogTables = []string{"core_changes", "core_change_runs"}
	WatermarksTable = "model_watermarks"
)

// Changes is what core changed after a consumer's watermark.
type Changes struct {
	// From is the consumer's watermark (0 without one); To the newest
	// sequence number of the log, which the consumer records with
	// SetWatermark once its mart reflects the changes.
	From, To int64
	// Everything: the consumer recomputes in full, for Reason (no
	// watermark, core rebuilt, settings changed, no log on this
	// warehouse). Customers and Months are then empty.
	Everything bool
	Reason     string
	// Customers is the number of distinct customers touched; CustomersSQL
	// selects them.
	Customers int64
	// Months are the months ('YYYY-MM' in the location given to
	// ChangesSince) of the order_ts of every order touched, sorted. An order
	// whose lines carry times in several months is listed under the month
	// of its earliest line only: a consumer that reads lines by month
	// checks that it read every line of the orders it read.
	Months []string
	// AsOf is the as-of date the watermark was recorded with (zero when
	// none).
	AsOf time.Time
}

// None reports whether nothing changed since the watermark.
func (c Changes) None() bool { return !c.Everything && c.Customers == 0 && len(c.Months) == 0 }

// CustomersSQL is a query of the distinct customer ids touched (column
// customer_id), for IN or a join.
func (c Changes) CustomersSQL() string {
	return changeSQL("customers", struct{ From, To int64 }{c.From, c.To})
}

// Watermark is a consumer's row of model_watermarks.
type Watermark struct {
	Seq        int64
	ConfigHash string
	AsOf       time.Time // zero when NULL
}

// ReadWatermark reads job's watermark; ok is false when it has none.
func ReadWatermark(ctx context.Context, q warehouse.Querier, job string) (Watermark, bool, error) {
	var w Watermark
	exists, err := warehouse.TableExists(ctx, q, "model_watermarks")
	if err != nil || !exists {
		return w, false, err
	}
	recs, err := q.Query(ctx, changeSQL("read_watermark", nil), job)
	defer warehouse.Release(recs)
	if err != nil {
		return w, false, fmt.Errorf("read the watermark of %s: %w", job, err)
	}
	if warehouse.NumRows(recs) == 0 {
		return w, false, nil
	}
	var r arrow.RecordBatch
	for _, rec := range recs {
		if rec.NumRows() > 0 {
			r = rec
			break
		}
	}
	w.Seq, w.ConfigHash = warehouse.Int64At(r, 0, 0), warehouse.StringAt(r, 1, 0)
	if d, ok := r.Column(2).(*array.Date32); ok && d.IsValid(0) {
		w.AsOf = d.Value(0).ToTime()
	}
	return w, true, nil
}

// ChangesSince returns what core changed after job's watermark, or
// Everything with the reason when the job must recompute in full: the
// warehouse has no cheap keyed updates (BigQuery, where core keeps no
// log), there is no log or no watermark yet, configHash differs from the
// watermark's (the job's settings changed), the watermark is ahead of the
// log, or core was rebuilt since. Months are taken in loc (nil: UTC).
func ChangesSince(ctx context.Context, wh warehouse.Warehouse, job, configHash string, loc *time.Location) (Changes, error) {
	var c Changes
	every := func(reason string) (Changes, error) {
		c.Everything, c.Reason, c.Customers, c.Months = true, reason, 0, nil
		return c, nil
	}
	if !warehouse.CapabilitiesOf(wh.Dialect()).IncrementalUpdates {
		return every("this warehouse rebuilds whole tables (no cheap keyed updates)")
	}
	for _, t := range ChangeLogTables {
		ok, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return c, fmt.Errorf("look up %s: %w", t, err)
		}
		if !ok {
			return every("no " + t + " yet (core has not run since the change log was added)")
		}
	}
	to, err := warehouse.Int64(ctx, wh, changeSQL("newest_seq", nil))
	if err != nil {
		return c, fmt.Errorf("read core_change_runs: %w", err)
	}
	c.To = to
	w, ok, err := ReadWatermark(ctx, wh, job)
	if err != nil {
		return c, err
	}
	if !ok {
		return every("no watermark for " + job)
	}
	c.From, c.AsOf = w.Seq, w.AsOf
	switch {
	case w.ConfigHash != configHash:
		return every("the job's settings changed since its last run")
	case w.Seq > to:
		return every(fmt.Sprintf("the watermark (%d) is ahead of the change log (%d)", w.Seq, to))
	case w.Seq == to:
		return c, nil
	}
	var rebuilt, customers int64
	var rb, cu *int64
	if err := wh.QueryRow(ctx, changeSQL("count_since", nil), []any{w.Seq, to}, &rb, &cu); err != nil {
		return c, fmt.Errorf("read core_changes after %d: %w", w.Seq, err)
	}
	rebuilt, customers = deref64(rb), deref64(cu)
	if rebuilt > 0 {
		return every("core was rebuilt")
	}
	c.Customers = customers
	recs, err := wh.Query(ctx, changeSQL("months_since", nil), w.Seq, to)
	defer warehouse.Release(recs)
	if err != nil {
		return c, fmt.Errorf("read the months of core_changes after %d: %w", w.Seq, err)
	}
	if loc == nil {
		loc = time.UTC
	}
	months := map[string]bool{}
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			if t := warehouse.TimeAt(r, 0, i); !t.IsZero() {
				months[t.In(loc).Format("2006-01")] = true
			}
		}
	}
	for m := range months {
		c.Months = append(c.Months, m)
	}
	sort.Strings(c.Months)
	return c, nil
}

// Base is what a consumer's incremental path needs besides the change
// log: Tables it keeps between runs (its mart, its contributions), each of
// which must exist; a watermark that carries an as-of date when AsOfNeeded;
// and, when Forward, an as-of date that did not move back from the
// watermark's (what the base counted would have to be taken out again).
type Base struct {
	Tables     []string
	AsOfNeeded bool
	Forward    bool
}

// IncrementalSince is ChangesSince followed by base's checks, in that
// order, so each consumer logs the same reason for the same state. A
// failed check returns Everything with its reason; From, To and AsOf stay
// set, so the full path can record its watermark. asOf is the run's as-of
// date; the watermark's is a civil date read as UTC, so the two compare
// as dates.
func IncrementalSince(ctx context.Context, wh warehouse.Warehouse, job, configHash string, loc *time.Location, asOf time.Time, base Base) (Changes, error) {
	c, err := ChangesSince(ctx, wh, job, configHash, loc)
	if err != nil || c.Everything {
		return c, err
	}
	every := func(reason string) (Changes, error) {
		c.Everything, c.Reason, c.Customers, c.Months = true, reason, 0, nil
		return c, nil
	}
	for _, t := range base.Tables {
		ok, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return c, fmt.Errorf("look up %s: %w", t, err)
		}
		if !ok {
			return every("no " + t + " yet")
		}
	}
	switch {
	case base.AsOfNeeded && c.AsOf.IsZero():
		return every("the watermark has no as-of date")
	case base.Forward && !c.AsOf.IsZero() && asOf.Format(time.DateOnly) < c.AsOf.Format(time.DateOnly):
		return every("the as-of date moved back from " + c.AsOf.Format(time.DateOnly))
	}
	return c, nil
}

// SetWatermark records that job's mart reflects core_changes up to seq,
// computed with configHash for asOf (zero: NULL). Call it in the
// transaction that writes the mart.
func SetWatermark(ctx context.Context, tx warehouse.Querier, job string, seq int64, configHash string, asOf time.Time) error {
	if err := warehouse.CreateTable(ctx, tx, "model_watermarks", ModelWatermarksSchema); err != nil {
		return fmt.Errorf("create model_watermarks: %w", err)
	}
	if err := tx.Exec(ctx, changeSQL("clear_watermark", nil), job); err != nil {
		return fmt.Errorf("clear the watermark of %s: %w", job, err)
	}
	var day any
	if !asOf.IsZero() {
		day = asOf.Format(time.DateOnly)
	}
	if err := tx.Exec(ctx, changeSQL("write_watermark", nil), job, seq, configHash, day); err != nil {
		return fmt.Errorf("record the watermark of %s: %w", job, err)
	}
	return nil
}

// beginChanges takes the next sequence number of the change log for a
// core run (full for BuildCore), records it in core_change_runs and
// prunes the rows no consumer needs: at or below the lowest watermark,
// and below the newest everything row. It runs in core's transaction.
func beginChanges(ctx context.Context, tx warehouse.Tx, full bool) (int64, error) {
	for _, t := range []struct {
		name   string
		schema *arrow.Schema
	}{{"core_changes", CoreChangesSchema}, {"core_change_runs", CoreChangeRunsSchema}, {"model_watermarks", ModelWatermarksSchema}} {
		if err := warehouse.CreateTable(ctx, tx, t.name, t.schema); err != nil {
			return 0, fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	seq, err := warehouse.Int64(ctx, tx, changeSQL("next_seq", nil))
	if err != nil {
		return 0, fmt.Errorf("next change sequence number: %w", err)
	}
	if err := tx.Exec(ctx, changeSQL("record_run", nil), seq, full); err != nil {
		return 0, fmt.Errorf("record core run %d in core_change_runs: %w", seq, err)
	}
	if full {
		if err := tx.Exec(ctx, changeSQL("clear_changes", nil)); err != nil {
			return 0, fmt.Errorf("prune core_changes: %w", err)
		}
		if err := tx.Exec(ctx, changeSQL("record_everything", nil), seq); err != nil {
			return 0, fmt.Errorf("record core run %d in core_changes: %w", seq, err)
		}
		return seq, nil
	}
	if err := tx.Exec(ctx, changeSQL("prune_changes", nil)); err != nil {
		return 0, fmt.Errorf("prune core_changes: %w", err)
	}
	return seq, nil
}

// changedOrdersSQL appends to core_changes (under seq) the customers and
// order times of the orders that match where (a condition on the orders
// row o).
func changedOrdersSQL(seq int64, where string) string {
	return changeSQL("changed_orders", struct {
		Seq   int64
		Where string
	}{seq, where})
}

// WriteMartTx is WriteMart inside the caller's transaction tx, so that a
// consumer of the change log writes its mart and its watermark together.
func WriteMartTx(ctx context.Context, tx warehouse.Tx, table string, asOf time.Time, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	if schema.FieldIndices("as_of") == nil {
		return fmt.Errorf("mart %s: schema has no as_of column", table)
	}
	if err := EnsureMart(ctx, tx, table, schema); err != nil {
		return err
	}
	day := asOf.Format("2006-01-02")
	if err := tx.Exec(ctx, mustRender(martsSQL, "clear_as_of", warehouse.SQLOf(nil), struct{ Table string }{table}), day); err != nil {
		return fmt.Errorf("clear mart %s for %s: %w", table, day, err)
	}
	if _, err := tx.Load(ctx, table, recs...); err != nil {
		return fmt.Errorf("write mart %s: %w", table, err)
	}
	return nil
}

// EnsureMart creates mart table from the batch schema when missing, as
// WriteMart does.
func EnsureMart(ctx context.Context, q warehouse.Querier, table string, schema *arrow.Schema) error {
	if err := warehouse.CreateTable(ctx, q, table, warehouse.Nullable(withStorageHints(schema))); err != nil {
		return fmt.Errorf("create mart %s: %w", table, err)
	}
	return nil
}
