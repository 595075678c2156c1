package warehouse

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// TableCreator is implemented by warehouses (and their transactions) that
// create tables from an Arrow schema through an API rather than DDL text:
// BigQuery, through its tables API with the layout of LayoutFor.
type TableCreator interface {
	// CreateTable creates table from schema; an existing table is left as
	// it is.
	CreateTable(ctx context.Context, table string, schema *arrow.Schema) error
}

// CreateTable creates table from schema unless it exists. On BigQuery the
// table goes through the tables API (types from BigQuerySchema, every column
// NULLABLE, partitioning and clustering from LayoutFor); on DuckDB it is
// CREATE TABLE IF NOT EXISTS over ColumnsDDL, storage hints included. No SQL
// text is parsed on either engine.
func CreateTable(ctx context.Context, q Querier, table string, schema *arrow.Schema) error {
	if c, ok := q.(TableCreator); ok {
		return c.CreateTable(ctx, table, schema)
	}
	return q.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+table+" ("+ColumnsDDL(schema)+")")
}
