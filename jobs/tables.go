package jobs

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/models/identity"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The tables the jobs package owns, declared as Arrow schemas and created
// through warehouse.CreateTable on either engine. A field that is not
// Nullable is NOT NULL (REQUIRED on BigQuery).

// timestampUTC is TIMESTAMPTZ on DuckDB, TIMESTAMP on BigQuery.
var timestampUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

func dictField(name string) arrow.Field {
	return warehouse.Compressed(arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}, warehouse.CompressDictionary)
}

func plainField(name string) arrow.Field {
	return warehouse.Compressed(arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}, warehouse.CompressNone)
}

// JobRunsSchema is job_runs, the run history: one row per job run (and
// per partition of a partitioned job).
var JobRunsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "run_id", Type: arrow.BinaryTypes.String},
	{Name: "chain_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "job", Type: arrow.BinaryTypes.String},
	{Name: "partition", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "started", Type: timestampUTC},
	{Name: "finished", Type: timestampUTC, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "rows_in", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "rows_out", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "rows_quarantined", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "message", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "error", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "attempt", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "host", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "pid", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "input_fingerprint", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// SourceChecksSchema is source_checks: one row per evaluated source check.
var SourceChecksSchema = arrow.NewSchema([]arrow.Field{
	{Name: "checked_at", Type: timestampUTC, Nullable: true},
	{Name: "run_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "source", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "check", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "threshold", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "detail", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// CoreLoadsSchema is core_loads: the loads the core tables were last built
// from (UpdateCore's base), each with when it was loaded (loadsSchema).
var CoreLoadsSchema = loadsSchema

// loadsSchema is a list of loads as the incremental jobs record what they
// covered: the load id and its manifest's latest loaded_at. A reload of the
// same file (crmkit reload) keeps the id, which hashes the content, but may
// load other rows from it under a fixed config; the time tells the new load
// from the one covered.
var loadsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "load_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "loaded_at", Type: timestampUTC, Nullable: true},
}, nil)

// OrdersSchema is the core orders table on engines that fill a declared
// table (warehouse.Capabilities.InsertIntoDeclared), with its DuckDB
// storage hints; the columns are orderColumnList's, in its order.
var OrdersSchema = arrow.NewSchema([]arrow.Field{
	dictField("channel"),
	plainField("order_id"),
	{Name: "order_ts", Type: timestampUTC, Nullable: true},
	plainField("customer_id"),
	dictField("store_id"),
	dictField("associate_id"),
	dictField("status"),
	{Name: "lines", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "units", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "gross_amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "discount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "paid_amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "refund_amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "net_amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	dictField("_load_id"),
}, nil)

// GraphLoadsSchema is identity_graph_loads, the loads the kept identity
// graph covers; GraphStateSchema is identity_graph_state, the fingerprint
// of the identity config the graph was built with.
var (
	GraphLoadsSchema = loadsSchema
	GraphStateSchema = arrow.NewSchema([]arrow.Field{{Name: "config", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
)

// stitchKeysSchema is the temporary stitch_keys: the identifiers of the
// records an incremental stitch takes in.
var stitchKeysSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id_type", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "id_value", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// ensureGraphTables creates identity_graph_loads and identity_graph_state
// when missing.
func ensureGraphTables(ctx context.Context, q warehouse.Querier) error {
	if err := warehouse.CreateTable(ctx, q, "identity_graph_loads", GraphLoadsSchema); err != nil {
		return err
	}
	return warehouse.CreateTable(ctx, q, "identity_graph_state", GraphStateSchema)
}

// CustomerChangesSchema is customer_changes: the customers whose orders
// core changed since the per-customer state (the customer_state job) last
// took them in. UpdateCore adds the customers of every order it
// aggregates again, before and after, and both sides of every order a
// merge moved; BuildCore leaves one row with a NULL customer_id, which
// means every customer. The state job empties it in the transaction that
// brings its table up to date.
var CustomerChangesSchema = arrow.NewSchema([]arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)

// EnsureCustomerChanges creates customer_changes when missing.
func EnsureCustomerChanges(ctx context.Context, q warehouse.Querier) error {
	return warehouse.CreateTable(ctx, q, "customer_changes", CustomerChangesSchema)
}

// ensureIdentityAssignments creates identity_assignments empty, as stitch
// writes it (identity.AssignmentsSchema), so core tables can be built
// before the first stitch. Stitch output tables are created nullable
// throughout (replaceIn); this one is too.
func ensureIdentityAssignments(ctx context.Context, q warehouse.Querier) error {
	return warehouse.CreateTable(ctx, q, "identity_assignments", warehouse.Nullable(withStorageHints(identity.AssignmentsSchema)))
}
