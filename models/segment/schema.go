package segment

import "github.com/apache/arrow-go/v18/arrow"

// TagSchema is the customer tags table segments are written against, one
// row per customer (see the package documentation for what each column
// holds). Config validation compiles every segment definition against it,
// so an unknown column is reported before any data is read.
var TagSchema = arrow.NewSchema([]arrow.Field{
	{Name: "customer_id", Type: arrow.BinaryTypes.String},
	{Name: "rfm_tier", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "aipl_stage", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "pyramid_stage", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "clv_decile", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "clv", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "first_channel", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "last_channel", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "last_purchase_days", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "orders", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "net_sales", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "social_engaged", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "contacted_90d", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "phone", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)
