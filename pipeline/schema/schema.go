// Package schema defines the canonical tables that every source is mapped
// onto. It is the data contract between ingest, the models and the reports:
// a source's column mapping names canonical fields from here, ingest produces
// Arrow record batches with exactly these schemas (plus lineage columns), and
// later jobs read them back by these names.
package schema

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
)

// Type is the logical type of a canonical field.
type Type int

// Logical field types. Timestamps are stored as UTC microseconds; dates as
// days since the epoch.
const (
	String Type = iota
	Int
	Float
	Timestamp
	Date
)

// Rule is an extra validation applied to a parsed value.
type Rule int

// Validation rules beyond type parsing.
const (
	NoRule      Rule = iota
	Positive         // numeric value must be > 0
	NonNegative      // numeric value must be >= 0
)

// Field is one canonical column.
type Field struct {
	Name     string
	Type     Type
	Required bool     // an empty value sends the row to quarantine
	Rule     Rule     // extra numeric check
	Enum     []string // when set, the (lower-cased) value must be one of these
	// Compression is the DuckDB storage of a string column in the raw
	// table: "dictionary" for few distinct values, "uncompressed" for
	// identifiers (CompressNone); empty lets DuckDB try every
	// method.
	Compression string
}

// Table is a canonical table: its name and ordered fields.
type Table struct {
	Name   string
	Fields []Field
	// Key lists the fields that identify a row of a master table; rows of
	// later loads replace earlier ones with the same key when the core
	// tables are built. Empty for event tables.
	Key []string
}

// Lineage columns appended to every loaded row: the load (one per file;
// load_files has its source and file name) and the row's position in the
// file.
const (
	ColLoadID = "_load_id"
	ColRow    = "_row"
	// ColChannel is set from the source's configured channel on order lines.
	ColChannel = "channel"
)

// DroppedLineageColumns were stored on every raw row by earlier versions
// (the source and file name, one value per file): they are in load_files
// by load id, and writing them on every row cost ingest time and, on
// BigQuery, bytes. The loader drops them from raw tables that still have
// them.
var DroppedLineageColumns = []string{"_source", "_file"}

var tables = map[string]*Table{}

func register(t *Table) { tables[t.Name] = t }

// AddedFields are fields added to a table after warehouses were made
// without them (always at the end of the table's fields); loading adds
// them to older raw tables.
var AddedFields = map[string][]string{"order_lines": {"province", "original_order_id"}}

func init() {
	register(&Table{Name: "order_lines", Fields: []Field{
		{Name: "order_id", Type: String, Required: true, Compression: plain},
		{Name: "store_id", Type: String, Compression: dictionary},
		{Name: "associate_id", Type: String, Compression: dictionary},
		{Name: "buyer_id", Type: String, Compression: plain},
		{Name: "member_card", Type: String, Compression: plain},
		{Name: "phone", Type: String, Compression: plain},
		{Name: "email", Type: String, Compression: plain},
		{Name: "name", Type: String, Compression: plain},
		{Name: "device_id", Type: String, Compression: plain},
		{Name: "order_ts", Type: Timestamp, Required: true},
		{Name: "status", Type: String, Compression: dictionary},
		{Name: "sku", Type: String, Required: true, Compression: dictionary},
		{Name: "qty", Type: Int, Required: true, Rule: Positive},
		{Name: "unit_price", Type: Float, Required: true, Rule: NonNegative},
		{Name: "discount", Type: Float, Rule: NonNegative},
		{Name: "paid_amount", Type: Float, Required: true, Rule: NonNegative},
		{Name: "refund_amount", Type: Float, Rule: NonNegative},
		// province is the shipping province or a whole shipping address
		// (e.g. "浙江省 杭州市 ..."); the region of an e-commerce order is
		// the configured region whose province it starts with. Last, so
		// that warehouses made before it get it by ADD COLUMN
		// (AddedFields) in the same position.
		{Name: "province", Type: String, Compression: dictionary},
		// original_order_id is, on a return line, the order it returns
		// goods of (a column of the export, or the return's own id
		// without the returns prefix when config says so); ingest leaves
		// it empty on other lines. Core ties the return to that order
		// when it is loaded (jobs: return ties). Added after province.
		{Name: "original_order_id", Type: String, Compression: plain},
	}})
	register(&Table{Name: "products", Key: []string{"sku"}, Fields: []Field{
		{Name: "sku", Type: String, Required: true},
		{Name: "product_name", Type: String},
		{Name: "category", Type: String},
		{Name: "brand", Type: String},
		{Name: "unit_cost", Type: Float, Rule: NonNegative},
		{Name: "list_price", Type: Float, Rule: NonNegative},
	}})
	register(&Table{Name: "stores", Key: []string{"store_id"}, Fields: []Field{
		{Name: "store_id", Type: String, Required: true},
		{Name: "store_name", Type: String},
		{Name: "region", Type: String},
		{Name: "city", Type: String},
		{Name: "opened", Type: Date},
	}})
	register(&Table{Name: "social_accounts", Key: []string{"platform", "openid"}, Fields: []Field{
		{Name: "platform", Type: String, Required: true, Compression: dictionary},
		{Name: "openid", Type: String, Required: true, Compression: plain},
		{Name: "unionid", Type: String, Compression: plain},
		{Name: "phone", Type: String, Compression: plain},
		{Name: "nickname", Type: String, Compression: plain},
		{Name: "followed_ts", Type: Timestamp},
		{Name: "unfollowed_ts", Type: Timestamp},
	}})
	register(&Table{Name: "social_interactions", Fields: []Field{
		{Name: "platform", Type: String, Required: true, Compression: dictionary},
		{Name: "openid", Type: String, Required: true, Compression: plain},
		{Name: "ts", Type: Timestamp, Required: true},
		{Name: "action", Type: String, Required: true, Enum: []string{"view", "like", "comment", "share", "click"}, Compression: dictionary},
		{Name: "content_id", Type: String, Compression: dictionary},
		{Name: "content_category", Type: String, Compression: dictionary},
	}})
	register(&Table{Name: "campaigns", Key: []string{"campaign_id"}, Fields: []Field{
		{Name: "campaign_id", Type: String, Required: true},
		{Name: "campaign_name", Type: String},
		{Name: "channel", Type: String},
		{Name: "start_date", Type: Date, Required: true},
		{Name: "end_date", Type: Date, Required: true},
		{Name: "spend", Type: Float, Rule: NonNegative},
	}})
	register(&Table{Name: "campaign_contacts", Fields: []Field{
		{Name: "campaign_id", Type: String, Required: true, Compression: dictionary},
		{Name: "identifier_type", Type: String, Enum: []string{"phone", "email", "member_card", "buyer_id", "openid", "unionid", "device_id"}, Compression: dictionary},
		{Name: "identifier", Type: String, Required: true, Compression: plain},
		{Name: "contact_group", Type: String, Required: true, Enum: []string{"target", "control"}, Compression: dictionary},
		{Name: "contacted_ts", Type: Timestamp},
	}})
	register(&Table{Name: "service_tickets", Key: []string{"ticket_id"}, Fields: []Field{
		{Name: "ticket_id", Type: String, Required: true},
		{Name: "identifier_type", Type: String, Enum: []string{"phone", "email", "member_card", "buyer_id", "openid", "unionid", "device_id"}},
		{Name: "identifier", Type: String, Required: true},
		{Name: "opened_ts", Type: Timestamp, Required: true},
		{Name: "closed_ts", Type: Timestamp},
		{Name: "category", Type: String},
		{Name: "csat", Type: Int},
	}})
}

// Lookup returns the canonical table with the given name.
func Lookup(name string) (*Table, bool) {
	t, ok := tables[name]
	return t, ok
}

// Names returns the canonical table names in sorted order.
func Names() []string {
	out := make([]string, 0, len(tables))
	for n := range tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Field returns the named field of the table.
func (t *Table) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// HasChannel reports whether loaded rows of this table carry the source's
// channel column (order lines do: tmall, jd, shopify, pos, ...).
func (t *Table) HasChannel() bool { return t.Name == "order_lines" }

// ArrowType maps a logical type to its Arrow type.
func ArrowType(ty Type) arrow.DataType {
	switch ty {
	case Int:
		return arrow.PrimitiveTypes.Int64
	case Float:
		return arrow.PrimitiveTypes.Float64
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case Date:
		return arrow.FixedWidthTypes.Date32
	default:
		return arrow.BinaryTypes.String
	}
}

// SQLType maps a logical type to a DuckDB/BigQuery-compatible column type.
func SQLType(ty Type) string {
	switch ty {
	case Int:
		return "BIGINT"
	case Float:
		return "DOUBLE"
	case Timestamp:
		return "TIMESTAMPTZ"
	case Date:
		return "DATE"
	default:
		return "VARCHAR"
	}
}

// Storage hints of string columns (Field.Compression). The values are
// pipeline/warehouse's CompressDictionary and CompressNone, spelled out so
// that schema, and config which validates against it, stay leaves that do
// not build the warehouse engines; a warehouse test checks they agree.
const (
	CompressDictionary = "dictionary"
	CompressNone       = "uncompressed"

	dictionary = CompressDictionary
	plain      = CompressNone
)

// LoadedSchema is the Arrow schema of rows loaded into the raw table
// raw_<name>: lineage columns, the channel (for order lines) and the
// canonical fields in order.
func (t *Table) LoadedSchema() *arrow.Schema {
	fs := []arrow.Field{
		{Name: ColLoadID, Type: arrow.BinaryTypes.String},
		{Name: ColRow, Type: arrow.PrimitiveTypes.Int64},
	}
	if t.HasChannel() {
		fs = append(fs, arrow.Field{Name: ColChannel, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	for _, f := range t.Fields {
		fs = append(fs, arrow.Field{Name: f.Name, Type: ArrowType(f.Type), Nullable: !f.Required})
	}
	return arrow.NewSchema(fs, nil)
}

// RawTable is the warehouse table that holds the loaded rows of t.
func (t *Table) RawTable() string { return "raw_" + t.Name }
