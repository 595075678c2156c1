// Package segment compiles and evaluates named audience definitions (the
// config's segments: where strings) over a table of customer tags.
//
// # Language
//
// A segment is a boolean expression over the tag columns:
//
//	rfm_tier = 'dormant' AND region = '华东'
//	clv_decile <= 2 AND NOT contacted_90d
//	(aipl_stage IN ('I','P') OR social_engaged) AND last_purchase_days > 180
//	first_channel != 'pos'
//	name = 'O''Brien' OR "last purchase" IS NULL
//
// Precedence, loosest first: OR, AND, NOT, comparison. Parentheses group.
// Keywords (AND, OR, NOT, IN, IS, NULL, TRUE, FALSE) are case-insensitive.
//
//   - Comparisons: column op value with op one of =, != (also <>), <, <=, >,
//     >=; column IN (v1, v2, ...); column NOT IN (...); column IS NULL;
//     column IS NOT NULL.
//   - A bare boolean column (social_engaged) selects the rows where it is
//     true; TRUE and FALSE alone select every row and no row.
//   - Values: string literals in single quotes (” is a quote inside a
//     string: 'O”Brien'), numbers (42, -3, 2.5, 1e3), TRUE and FALSE.
//   - Column names are identifiers ([A-Za-z_][A-Za-z0-9_]*) or any text in
//     double quotes ("last purchase"). Names are matched exactly, then
//     case-insensitively when that is unambiguous.
//
// Types are checked when the expression is compiled against a schema: string
// columns compare with strings (byte-wise order for <, >), numeric columns
// (signed integers, uint8/16/32, float32/64) with numbers (an integer column
// compared with 2.5 compares as float64), boolean columns with TRUE/FALSE
// and only with = and !=. Comparing with NULL is an error (use IS NULL).
//
// # Nulls and NOT
//
// A null never satisfies a comparison, IN or NOT IN; only IS NULL selects it.
// So "first_channel != 'pos'" leaves out customers whose first channel is
// unknown. AND, OR and NOT are set operations on the selected rows
// (intersection, union, complement), not SQL's three-valued logic:
// "NOT first_channel = 'pos'" is every customer not selected by
// "first_channel = 'pos'", customers with a null first channel included, and
// "NOT contacted_90d" includes customers whose contacted_90d is null.
//
// # Evaluation
//
// Compile checks the expression against an Arrow schema (unknown columns and
// type mismatches are errors with the position in the expression) and
// returns an Expr. Expr.Eval runs each comparison as one pass over the
// column's value buffer, producing a Bitmap (one bit per row, packed in
// uint64 words) that is then masked with the column's validity bitmap; AND,
// OR and NOT combine whole bitmaps word by word. Filter returns the selected
// rows of a record batch.
//
// # Tag columns
//
// The customer tags table has one row per customer. TagSchema lists the
// columns this package expects the tags job to provide (segment definitions
// in the config are validated against it):
//
//	customer_id         utf8     stitched customer id
//	rfm_tier            utf8     dormant | active | high_value
//	aipl_stage          utf8     A | I | P | L, null when in no stage
//	pyramid_stage       utf8     finer lifecycle stage (aware, interested,
//	                             first_purchase, repeat, loyal, advocate),
//	                             null when in no stage
//	clv_decile          int64    1..10, 1 = the top 10% by CLV
//	clv                 float64  CLV over the configured horizon
//	region              utf8     e.g. 华东
//	first_channel       utf8     tmall | jd | shopify | pos
//	last_channel        utf8     tmall | jd | shopify | pos
//	last_purchase_days  int64    days from the last purchase to the as-of day
//	orders              int64    number of orders
//	net_sales           float64  net sales (paid - refunded)
//	social_engaged      bool     interacted on social in the last 90 days
//	contacted_90d       bool     reached by a campaign in the last 90 days
//	phone               utf8     E.164, identifier (masked/hashed on export)
//	email               utf8     identifier (masked/hashed on export)
//	name                utf8     identifier (masked on export)
//
// Any other columns of the supported types may be added and used in
// definitions; only the names referenced by an expression must exist.
package segment
