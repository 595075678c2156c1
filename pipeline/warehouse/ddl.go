package warehouse

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Tables are created from Arrow schemas, never from CREATE TABLE text: the
// package that owns a table declares its schema once, and CreateTable (or
// RecreateTable, CreateTableAs for a table filled by a query) makes it on
// either engine. No SQL text is parsed on either engine.
//
// Column types: see ColumnType (DuckDB) and BigQuerySchema (BigQuery). A
// field that is not Nullable is NOT NULL on DuckDB and REQUIRED on
// BigQuery; a field's DuckDB storage hint (Compressed) is kept on DuckDB and
// left out on BigQuery, which chooses its own encodings.

// TableCreator is implemented by warehouses (and their transactions) that
// create tables through an API rather than DDL text: BigQuery, through its
// tables API with the layout of LayoutFor.
type TableCreator interface {
	// CreateTable creates table from schema; an existing table is left as
	// it is.
	CreateTable(ctx context.Context, table string, schema *arrow.Schema) error
	// CreateTableAs creates or replaces table with the result of the
	// SELECT query (no placeholders).
	CreateTableAs(ctx context.Context, table, query string) error
}

// CreateTable creates table from schema unless it exists. On BigQuery the
// table goes through the tables API (partitioning and clustering from
// LayoutFor); on DuckDB it is CREATE TABLE IF NOT EXISTS over the schema's
// column definitions, storage hints and NOT NULL included.
func CreateTable(ctx context.Context, q Querier, table string, schema *arrow.Schema) error {
	if c, ok := q.(TableCreator); ok {
		return c.CreateTable(ctx, table, schema)
	}
	return q.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+table+" ("+columnDefs(schema)+")")
}

// RecreateTable drops table when it exists and creates it empty from
// schema, for a table rebuilt in full whose storage hints matter (a CREATE
// TABLE ... AS would choose its own).
func RecreateTable(ctx context.Context, q Querier, table string, schema *arrow.Schema) error {
	if err := q.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
		return err
	}
	return CreateTable(ctx, q, table, schema)
}

// CreateTableAs creates or replaces table with the rows of the SELECT query
// (no placeholders). On BigQuery the table gets the partitioning and
// clustering LayoutFor gives its name, where the engine accepts them.
func CreateTableAs(ctx context.Context, q Querier, table, query string) error {
	if c, ok := q.(TableCreator); ok {
		return c.CreateTableAs(ctx, table, query)
	}
	return q.Exec(ctx, "CREATE OR REPLACE TABLE "+table+" AS "+query)
}

// CreateTempTable creates or replaces the session-temporary table from
// schema. Temporary tables serve the DuckDB-only incremental paths
// (Capabilities.IncrementalUpdates); a warehouse that creates tables
// through an API (TableCreator, BigQuery) has none, and it is refused there.
func CreateTempTable(ctx context.Context, q Querier, table string, schema *arrow.Schema) error {
	if _, ok := q.(TableCreator); ok {
		return fmt.Errorf("create temporary table %s: this warehouse has no temporary tables", table)
	}
	return q.Exec(ctx, "CREATE OR REPLACE TEMP TABLE "+table+" ("+columnDefs(schema)+")")
}

// Nullable returns schema with every field nullable: for a schema taken
// from record batches, whose nullability flags are not a contract about the
// table (a mart, a replaced table).
func Nullable(schema *arrow.Schema) *arrow.Schema {
	fs := schema.Fields()
	changed := false
	for i := range fs {
		if !fs[i].Nullable {
			fs[i].Nullable, changed = true, true
		}
	}
	if !changed {
		return schema
	}
	md := schema.Metadata()
	return arrow.NewSchema(fs, &md)
}

// columnDefs renders schema as the column definitions of a DuckDB CREATE
// TABLE: ColumnsDDL plus NOT NULL on every field that is not Nullable.
func columnDefs(schema *arrow.Schema) string {
	s := ""
	for i, f := range schema.Fields() {
		if i > 0 {
			s += ", "
		}
		s += QuoteIdent(f.Name) + " " + sqlTypeOf(f.Type)
		if !f.Nullable {
			s += " NOT NULL"
		}
		s += CompressionDDL(compressionOf(f))
	}
	return s
}
