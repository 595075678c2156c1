package ingest

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The tables ingest owns, declared as Arrow schemas and created through
// warehouse.CreateTable on either engine. A field that is not Nullable is
// NOT NULL (REQUIRED on BigQuery).

var (
	str   = arrow.BinaryTypes.String
	i64   = arrow.PrimitiveTypes.Int64
	tstz  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	dictV = func(f arrow.Field) arrow.Field { return warehouse.Compressed(f, warehouse.CompressDictionary) }
)

// LoadFilesSchema is the load_files manifest: one row per file a run
// settled (loaded, duplicate, rejected, unloaded). config_hash and load_seq
// came after the first version of the table; addManifestColumns adds them
// to a warehouse made before them.
var LoadFilesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "load_id", Type: str},
	{Name: "source", Type: str},
	{Name: "file", Type: str},
	{Name: "hash", Type: str},
	{Name: "bytes", Type: i64, Nullable: true},
	{Name: "status", Type: str},
	{Name: "rows_read", Type: i64, Nullable: true},
	{Name: "rows_loaded", Type: i64, Nullable: true},
	{Name: "rows_quarantined", Type: i64, Nullable: true},
	{Name: "error", Type: str, Nullable: true},
	{Name: "run_id", Type: str, Nullable: true},
	{Name: "loaded_at", Type: tstz, Nullable: true},
	{Name: "file_mtime", Type: tstz, Nullable: true},
	{Name: "config_hash", Type: str, Nullable: true},
	{Name: "load_seq", Type: i64, Nullable: true},
}, nil)

// QuarantineSchema is the quarantine: one row per rejected row (or per
// rejected file, row 0) with the column and the reason.
var QuarantineSchema = arrow.NewSchema([]arrow.Field{
	{Name: "load_id", Type: str},
	{Name: "source", Type: str},
	{Name: "file", Type: str},
	{Name: "row", Type: i64},
	{Name: "column", Type: str, Nullable: true},
	{Name: "reason", Type: str},
	{Name: "detail", Type: str, Nullable: true},
	{Name: "raw", Type: str, Nullable: true},
}, nil)

// RawTableSchema is the schema of the raw table of t: the lineage columns
// (required), the channel for order lines and the canonical fields, each
// string column with its DuckDB storage hint. The canonical fields are
// nullable in the table even where the schema requires them: a required
// value is enforced by quarantine, and a field added later (ALTER TABLE ADD
// COLUMN) cannot be required. It lives here rather than in schema so that
// schema (and config, which validates against it) does not import the
// warehouse.
func RawTableSchema(t *schema.Table) *arrow.Schema {
	// The load id and the channel are one value per file.
	fs := []arrow.Field{
		dictV(arrow.Field{Name: schema.ColLoadID, Type: str}),
		{Name: schema.ColRow, Type: i64},
	}
	if t.HasChannel() {
		fs = append(fs, dictV(arrow.Field{Name: schema.ColChannel, Type: str, Nullable: true}))
	}
	for _, f := range t.Fields {
		af := arrow.Field{Name: f.Name, Type: schema.ArrowType(f.Type), Nullable: true}
		if f.Type == schema.String {
			af = warehouse.Compressed(af, f.Compression)
		}
		fs = append(fs, af)
	}
	return arrow.NewSchema(fs, nil)
}
