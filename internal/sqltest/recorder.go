package sqltest

import (
	"context"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Statement is one statement a job ran, or one table it loaded or
// replaced through the warehouse API (SQL empty, Loaded set).
type Statement struct {
	Job    string
	SQL    string
	Loaded string
}

// Log collects the statements of every job of a run; it is safe for jobs
// running at once.
type Log struct {
	mu    sync.Mutex
	stmts []Statement
}

// Statements returns what was recorded, in order.
func (l *Log) Statements() []Statement {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Statement(nil), l.stmts...)
}

func (l *Log) add(s Statement) {
	l.mu.Lock()
	l.stmts = append(l.stmts, s)
	l.mu.Unlock()
}

// Wrap returns wh as job sees it: every statement, load and replace is
// recorded under job's name, then passed to wh. It is the shape of
// jobs.Hooks.Warehouse. wh must be a DuckDB warehouse (or one whose
// transactions stream batches the same way): the wrapper implements the
// interfaces DuckDB's warehouse and transactions implement and no others,
// so that the jobs take the same paths as without it.
func (l *Log) Wrap(job string, wh warehouse.Warehouse) warehouse.Warehouse {
	return &recWH{Warehouse: wh, log: l, job: job}
}

type recWH struct {
	warehouse.Warehouse
	log *Log
	job string
}

func (r *recWH) sql(q string) { r.log.add(Statement{Job: r.job, SQL: q}) }

func (r *recWH) Exec(ctx context.Context, query string, args ...any) error {
	r.sql(query)
	return r.Warehouse.Exec(ctx, query, args...)
}

func (r *recWH) Query(ctx context.Context, query string, args ...any) ([]arrow.RecordBatch, error) {
	r.sql(query)
	return r.Warehouse.Query(ctx, query, args...)
}

func (r *recWH) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	r.sql(query)
	return r.Warehouse.QueryRow(ctx, query, args, dest...)
}

func (r *recWH) Replace(ctx context.Context, table string, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	r.log.add(Statement{Job: r.job, Loaded: table})
	return r.Warehouse.Replace(ctx, table, schema, recs)
}

func (r *recWH) InTx(ctx context.Context, fn func(tx warehouse.Tx) error) error {
	return r.Warehouse.InTx(ctx, func(tx warehouse.Tx) error {
		return fn(&recTx{tx: tx, log: r.log, job: r.job})
	})
}

// recTx is a recorded DuckDB transaction: it streams batches as DuckDB's
// does (LoadReader, LoadReaderConst), which the ingest job looks for.
type recTx struct {
	tx  warehouse.Tx
	log *Log
	job string
}

func (t *recTx) sql(q string) { t.log.add(Statement{Job: t.job, SQL: q}) }

func (t *recTx) Exec(ctx context.Context, query string, args ...any) error {
	t.sql(query)
	return t.tx.Exec(ctx, query, args...)
}

func (t *recTx) Query(ctx context.Context, query string, args ...any) ([]arrow.RecordBatch, error) {
	t.sql(query)
	return t.tx.Query(ctx, query, args...)
}

func (t *recTx) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	t.sql(query)
	return t.tx.QueryRow(ctx, query, args, dest...)
}

func (t *recTx) Load(ctx context.Context, table string, recs ...arrow.RecordBatch) (int64, error) {
	t.log.add(Statement{Job: t.job, Loaded: table})
	return t.tx.Load(ctx, table, recs...)
}

func (t *recTx) LoadReader(ctx context.Context, table string, rdr array.RecordReader) (int64, error) {
	t.log.add(Statement{Job: t.job, Loaded: table})
	return t.tx.(interface {
		LoadReader(context.Context, string, array.RecordReader) (int64, error)
	}).LoadReader(ctx, table, rdr)
}

func (t *recTx) LoadReaderConst(ctx context.Context, table string, rdr array.RecordReader, choice string, cols ...warehouse.ColumnValues) (int64, error) {
	t.log.add(Statement{Job: t.job, Loaded: table})
	return t.tx.(interface {
		LoadReaderConst(context.Context, string, array.RecordReader, string, ...warehouse.ColumnValues) (int64, error)
	}).LoadReaderConst(ctx, table, rdr, choice, cols...)
}
