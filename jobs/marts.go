package jobs

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// ModelJob constructs one model job for a config. Model files register
// their constructors with RegisterModel (cmd/crmkit calls each package's
// Register at start), one registration point
// for the model kind, and Nightly places them after core and before publish.
type ModelJob func(cfg *config.Config) *Job

var (
	modelMu   sync.Mutex
	modelJobs = map[string]ModelJob{}
)

// RegisterModel adds a model job constructor under name (the job name).
func RegisterModel(name string, f ModelJob) {
	modelMu.Lock()
	defer modelMu.Unlock()
	if _, dup := modelJobs[name]; dup {
		panic("jobs: model registered twice: " + name)
	}
	modelJobs[name] = f
}

func registeredModels(cfg *config.Config) []*Job {
	modelMu.Lock()
	defer modelMu.Unlock()
	names := make([]string, 0, len(modelJobs))
	for n := range modelJobs {
		names = append(names, n)
	}
	var out []*Job
	for _, n := range names {
		out = append(out, modelJobs[n](cfg))
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Sequence != out[b].Sequence {
			return out[a].Sequence < out[b].Sequence
		}
		return out[a].Name < out[b].Name
	})
	return out
}

// ResolveAsOf returns the business date of the run: the runner's AsOf when
// set, else the config's as_of, else the date of the newest order (so sample
// data from the past gives sensible stages), else today; always in the
// config's time zone at 00:00 (the as-of day itself is included in windows
// that end "at" it, i.e. events before AsOf + 1 day count).
func (e *Env) ResolveAsOf(ctx context.Context) (time.Time, error) {
	loc := e.Cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	if !e.AsOf.IsZero() {
		y, m, d := e.AsOf.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
	}
	if e.Cfg.AsOf != "" {
		return time.ParseInLocation("2006-01-02", e.Cfg.AsOf, loc)
	}
	if e.asOf == nil {
		return e.newestOrderDay(ctx, loc), nil
	}
	// One chain run computes it once: every job that asks runs after core.
	e.asOf.once.Do(func() { e.asOf.day = e.newestOrderDay(ctx, loc) })
	return e.asOf.day, nil
}

// asOfCache shares the resolved as-of date between the jobs of one run.
type asOfCache struct {
	once sync.Once
	day  time.Time
}

// newestOrderDay is the local date of the newest order, or today when
// there are no orders or the newest is later: an as-of date after today
// is only taken when given (ingest quarantines rows past today plus a
// source's max_future, which may be more than a day). The local date only
// grows with the instant, so it is the date of max(order_ts): one min/max
// read, no time zone conversion of every order in SQL.
func (e *Env) newestOrderDay(ctx context.Context, loc *time.Location) time.Time {
	now := time.Now()
	if e.Hooks.Now != nil {
		now = e.Hooks.Now()
	}
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	recs, err := e.WH.Query(ctx, mustRender(inputsSQL, "newest_order", warehouse.SQLOf(e.WH.Dialect()), nil))
	defer warehouse.Release(recs)
	if err == nil && len(recs) > 0 && recs[0].NumRows() > 0 {
		if t := warehouse.TimeAt(recs[0], 0, 0); !t.IsZero() {
			y, m, d := t.In(loc).Date()
			if day := time.Date(y, m, d, 0, 0, 0, 0, loc); day.Before(today) {
				return day
			}
		}
	}
	return today
}

// WriteMart replaces the rows of mart table for one as-of date (column
// as_of, a DATE) with recs, creating the table from the batch schema when
// needed. Rows of other as-of dates are kept, so scorecards can compare
// periods and a rerun of the same date never doubles rows.
func WriteMart(ctx context.Context, wh warehouse.Warehouse, table string, asOf time.Time, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	if schema.FieldIndices("as_of") == nil {
		return fmt.Errorf("mart %s: schema has no as_of column", table)
	}
	day := asOf.Format("2006-01-02")
	return wh.InTx(ctx, func(tx warehouse.Tx) error {
		if err := warehouse.CreateTable(ctx, tx, table, warehouse.Nullable(withStorageHints(schema))); err != nil {
			return fmt.Errorf("create mart %s: %w", table, err)
		}
		if err := tx.Exec(ctx, mustRender(martsSQL, "clear_as_of", warehouse.SQLOf(wh.Dialect()), struct{ Table string }{table}), day); err != nil {
			return fmt.Errorf("clear mart %s for %s: %w", table, day, err)
		}
		if _, err := tx.Load(ctx, table, recs...); err != nil {
			return fmt.Errorf("write mart %s: %w", table, err)
		}
		return nil
	})
}

// WithAsOf returns rec with a leading as_of DATE column set to asOf (the
// caller releases both).
func WithAsOf(mem memory.Allocator, rec arrow.RecordBatch, asOf time.Time) arrow.RecordBatch {
	b := array.NewDate32Builder(mem)
	defer b.Release()
	d := arrow.Date32FromTime(time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC))
	for i := 0; i < int(rec.NumRows()); i++ {
		b.Append(d)
	}
	col := b.NewArray()
	defer col.Release()
	fields := append([]arrow.Field{{Name: "as_of", Type: arrow.FixedWidthTypes.Date32}}, rec.Schema().Fields()...)
	cols := append([]arrow.Array{col}, rec.Columns()...)
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
}
