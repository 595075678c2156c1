// Package warehouse is the seam between the jobs and the storage engine.
// A Warehouse runs SQL, returns results as Arrow record batches and loads
// Arrow record batches into tables inside transactions. The embedded default
// is DuckDB (one file, no server); BigQuery serves larger deployments.
package warehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Querier runs statements and queries.
type Querier interface {
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, query string, args ...any) error
	// Query runs a query and returns its whole result as record batches.
	// The caller releases the batches.
	Query(ctx context.Context, query string, args ...any) ([]arrow.RecordBatch, error)
	// QueryRow runs a query expected to return one row and scans it into dest.
	// It returns ErrNoRows when the query returned nothing.
	QueryRow(ctx context.Context, query string, args []any, dest ...any) error
}

// Tx is a warehouse transaction.
type Tx interface {
	Querier
	// Load appends the batches to table (whose columns must match the batch
	// schema by name) and returns the number of rows appended.
	Load(ctx context.Context, table string, recs ...arrow.RecordBatch) (int64, error)
}

// Warehouse is a storage engine holding raw, core and mart tables.
type Warehouse interface {
	Querier
	// InTx runs fn in one transaction: committed when fn returns nil, rolled
	// back otherwise (and on panic), so a load is atomic.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Replace atomically replaces table with the given batches, creating the
	// table from the schema when it does not exist.
	Replace(ctx context.Context, table string, schema *arrow.Schema, recs []arrow.RecordBatch) error
	// Dialect tells how SQL differs between engines.
	Dialect() Dialect
	// Close releases the warehouse.
	Close() error
}

// ErrNoRows is returned by QueryRow when there is no row.
var ErrNoRows = errors.New("no rows")

// Dialect holds the small differences between DuckDB and BigQuery SQL.
type Dialect interface {
	// Name is "duckdb" or "bigquery".
	Name() string
	// Table qualifies a table name (dataset prefix on BigQuery).
	Table(name string) string
}

// QuoteIdent quotes an identifier for both DuckDB and BigQuery use.
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// Int64 runs a query returning one integer (0 when NULL).
func Int64(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	var v *int64
	if err := q.QueryRow(ctx, query, args, &v); err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// Count returns the number of rows of table.
func Count(ctx context.Context, q Querier, table string) (int64, error) {
	n, err := Int64(ctx, q, "SELECT count(*) FROM "+table)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}
