package warehouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// SQL extends Dialect with the spellings of the few constructs that differ
// between DuckDB and BigQuery, so a job can write its SQL once: portable SQL
// for everything the two engines agree on, and these helpers where they do
// not. Every helper that takes a value from configuration (a time zone, a
// column name) quotes it itself; expression arguments are SQL text.
type SQL interface {
	Dialect
	// Ident quotes an identifier ("x" on DuckDB, `x` on BigQuery).
	Ident(name string) string
	// String renders s as a string literal.
	String(s string) string
	// LocalDate is the calendar date of the TIMESTAMPTZ expression ts in
	// the IANA time zone zone.
	LocalDate(ts, zone string) string
	// LocalDateTime is the wall-clock time of ts in zone (DuckDB TIMESTAMP,
	// BigQuery DATETIME).
	LocalDateTime(ts, zone string) string
	// MonthStart truncates the DATE expression d to the first of its month.
	MonthStart(d string) string
	// FormatDate formats the DATE expression d with a strftime layout made
	// of %Y, %m and %d (both engines agree on those).
	FormatDate(d, layout string) string
	// DateDiffDays is the number of days from the DATE from to the DATE to.
	DateDiffDays(from, to string) string
	// AddDays adds the integer expression n days to the DATE d.
	AddDays(d, n string) string
	// StarExcept selects every column of qualifier (may be empty) but cols:
	// "* EXCLUDE (a, b)" on DuckDB, "* EXCEPT (a, b)" on BigQuery.
	StarExcept(qualifier string, cols ...string) string
	// ColumnType is the column type of an Arrow type in CREATE TABLE.
	ColumnType(t arrow.DataType) string
	// Now is the current timestamp.
	Now() string
	// TimestampDiff is the number of whole unit ("minute", "hour", "day")
	// boundaries from the timestamp from to the timestamp to.
	TimestampDiff(unit, from, to string) string
	// ArgMax is the value of x on the row with the largest by (DuckDB
	// arg_max); on BigQuery NULL values of x are skipped.
	ArgMax(x, by string) string
	// ArgMin is the value of x on the row with the smallest by.
	ArgMin(x, by string) string
	// Median is the median of x (BigQuery: APPROX_QUANTILES, approximate on
	// large inputs, exact on small ones).
	Median(x string) string
	// RegexpMatches tells whether s contains a match of the RE2 pattern re
	// (a SQL expression, usually a literal from String).
	RegexpMatches(s, re string) string
	// Fingerprint is a 64-bit hash of the string expression x (DuckDB
	// hash, BigQuery FARM_FINGERPRINT): cheap to compare where comparing
	// the strings themselves is not; equal strings have equal fingerprints.
	Fingerprint(x string) string
	// Neg is the arithmetic negation of the expression x.
	Neg(x string) string
	// RowKey is the ordering key over cols for ArgMin and ArgMax: a row
	// value (a, b) on DuckDB, whose arg_min takes one key; the list a, b on
	// BigQuery, whose ARRAY_AGG ... ORDER BY takes a list and cannot order
	// by a STRUCT.
	RowKey(cols ...string) string
	// ArgMinOf is the value of x on the row with the smallest key (a list of
	// expressions, compared in order). x may be one of the key expressions.
	ArgMinOf(x string, key ...string) string
	// ArgMinCols selects, per group, the values vals of the row with the
	// smallest key: agg goes in the grouped SELECT, cols in the SELECT over
	// it, naming the values names (one per val). DuckDB takes one min over
	// a row value for all of them (several arg_min over the same key would
	// compare it once each per row); BigQuery one ArgMin per value.
	ArgMinCols(key, vals, names []string) (agg, cols string)
	// TimestampUTC is the instant t as a timestamp literal in UTC.
	TimestampUTC(t time.Time) string
}

// timeUnit keeps the unit of TimestampDiff to the known words: it is pasted
// into SQL, so it must never come from configuration unchecked.
func timeUnit(u string) string {
	switch strings.ToLower(u) {
	case "minute", "hour", "day", "second":
		return strings.ToLower(u)
	}
	panic("warehouse: unknown time unit " + u)
}

// SQLOf returns the SQL helpers of d (DuckDB's when d is neither engine).
func SQLOf(d Dialect) SQL {
	if s, ok := d.(SQL); ok {
		return s
	}
	return duckDialect{}
}

// SQLOfQuerier is the SQL dialect of q: its warehouse's when q tells its
// dialect (warehouses do), DuckDB's otherwise (a bare transaction).
func SQLOfQuerier(q Querier) SQL {
	if w, ok := q.(interface{ Dialect() Dialect }); ok {
		return SQLOf(w.Dialect())
	}
	return SQLOf(nil)
}

// TimestampLiteral is t as a TIMESTAMPTZ literal of d, for SQL built with
// fixed instants rather than parameters.
func TimestampLiteral(d SQL, t time.Time) string {
	return "CAST(" + d.String(t.UTC().Format(time.RFC3339)) + " AS TIMESTAMPTZ)"
}

// TableChecker is implemented by warehouses that can tell whether a table
// exists without information_schema (whose spelling and scope differ:
// information_schema.tables on DuckDB, dataset.INFORMATION_SCHEMA.TABLES on
// BigQuery).
type TableChecker interface {
	TableExists(ctx context.Context, name string) (bool, error)
}

// ColumnLister is implemented by warehouses that list a table's columns
// themselves (BigQuery: from the table's schema) instead of through
// information_schema.columns.
type ColumnLister interface {
	// TableColumns returns the column names of table, none when the table
	// does not exist.
	TableColumns(ctx context.Context, table string) ([]string, error)
}

// TableColumns returns the column names of table in wh (none when it does
// not exist): through ColumnLister when wh implements it, otherwise through
// information_schema.columns.
func TableColumns(ctx context.Context, wh Querier, table string) ([]string, error) {
	if cl, ok := wh.(ColumnLister); ok {
		return cl.TableColumns(ctx, table)
	}
	recs, err := wh.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer Release(recs)
	var cols []string
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			cols = append(cols, StringAt(rec, 0, i))
		}
	}
	return cols, nil
}

// TableExists reports whether table name exists in wh: through TableChecker
// when wh implements it, otherwise through information_schema.tables.
func TableExists(ctx context.Context, wh Querier, name string) (bool, error) {
	if tc, ok := wh.(TableChecker); ok {
		return tc.TableExists(ctx, name)
	}
	n, err := Int64(ctx, wh, `SELECT count(*) FROM information_schema.tables WHERE table_name = ?`, name)
	if err != nil {
		return false, fmt.Errorf("table exists %s: %w", name, err)
	}
	return n > 0, nil
}

// --- DuckDB spellings -------------------------------------------------------

func (duckDialect) Ident(name string) string { return QuoteIdent(name) }
func (duckDialect) String(s string) string   { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func (d duckDialect) LocalDate(ts, zone string) string {
	return "CAST(" + d.LocalDateTime(ts, zone) + " AS DATE)"
}
func (d duckDialect) LocalDateTime(ts, zone string) string {
	return "timezone(" + d.String(zone) + ", " + ts + ")"
}
func (duckDialect) MonthStart(x string) string { return "CAST(date_trunc('month', " + x + ") AS DATE)" }
func (d duckDialect) FormatDate(x, layout string) string {
	return "strftime(" + x + ", " + d.String(layout) + ")"
}
func (duckDialect) DateDiffDays(from, to string) string {
	return "date_diff('day', " + from + ", " + to + ")"
}
func (duckDialect) AddDays(x, n string) string {
	return "CAST((" + x + ") + CAST(" + n + " AS INTEGER) AS DATE)"
}
func (d duckDialect) StarExcept(qualifier string, cols ...string) string {
	return starExcept(d.Ident, "EXCLUDE", qualifier, cols)
}
func (duckDialect) ColumnType(t arrow.DataType) string { return sqlTypeOf(t) }
func (duckDialect) Now() string                        { return "now()" }
func (duckDialect) TimestampDiff(unit, from, to string) string {
	return "date_diff('" + timeUnit(unit) + "', " + from + ", " + to + ")"
}
func (duckDialect) ArgMax(x, by string) string   { return "arg_max(" + x + ", " + by + ")" }
func (duckDialect) ArgMin(x, by string) string   { return "arg_min(" + x + ", " + by + ")" }
func (duckDialect) Median(x string) string       { return "median(" + x + ")" }
func (duckDialect) Neg(x string) string          { return "-" + x }
func (duckDialect) RowKey(cols ...string) string { return "(" + strings.Join(cols, ", ") + ")" }
func (duckDialect) ArgMinOf(x string, key ...string) string {
	for i, k := range key {
		if k == x {
			return "struct_extract(" + minRow(key) + ", 'k" + strconv.Itoa(i) + "')"
		}
	}
	return "arg_min(" + x + ", (" + strings.Join(key, ", ") + "))"
}
func (duckDialect) ArgMinCols(key, vals, names []string) (agg, cols string) {
	fields := append([]string(nil), key...)
	idx := make([]int, len(vals))
	for i, v := range vals {
		idx[i] = slices.Index(fields, v)
		if idx[i] < 0 {
			idx[i] = len(fields)
			fields = append(fields, v)
		}
	}
	out := make([]string, len(vals))
	for i := range vals {
		out[i] = "struct_extract(_argmin, 'k" + strconv.Itoa(idx[i]) + "') AS " + names[i]
	}
	return minRow(fields) + " AS _argmin", strings.Join(out, ", ")
}
func (duckDialect) TimestampUTC(t time.Time) string {
	return "TIMESTAMPTZ '" + t.UTC().Format("2006-01-02 15:04:05") + "+00'"
}

// minRow is DuckDB's min over the row value of fields, named k0, k1, ...:
// structs compare field by field, so it is the row with the smallest key.
func minRow(fields []string) string {
	kv := make([]string, len(fields))
	for i, f := range fields {
		kv[i] = "k" + strconv.Itoa(i) + " := " + f
	}
	return "min(struct_pack(" + strings.Join(kv, ", ") + "))"
}
func (duckDialect) RegexpMatches(s, re string) string { return "regexp_matches(" + s + ", " + re + ")" }
func (duckDialect) Fingerprint(x string) string       { return "hash(" + x + ")" }

// --- BigQuery spellings -----------------------------------------------------

// bigQueryDialect is the GoogleSQL dialect; dataset qualifies table names.
type bigQueryDialect struct{ project, dataset string }

func (bigQueryDialect) Name() string { return "bigquery" }

// Table qualifies name with the project and dataset.
func (d bigQueryDialect) Table(name string) string {
	if d.dataset == "" {
		return BigQueryIdent(name)
	}
	if d.project == "" {
		return BigQueryIdent(d.dataset + "." + name)
	}
	return BigQueryIdent(d.project + "." + d.dataset + "." + name)
}
func (bigQueryDialect) Ident(name string) string { return BigQueryIdent(name) }
func (bigQueryDialect) String(s string) string   { return BigQueryString(s) }
func (d bigQueryDialect) LocalDate(ts, zone string) string {
	return "DATE(" + ts + ", " + d.String(zone) + ")"
}
func (d bigQueryDialect) LocalDateTime(ts, zone string) string {
	return "DATETIME(" + ts + ", " + d.String(zone) + ")"
}
func (bigQueryDialect) MonthStart(x string) string { return "DATE_TRUNC(" + x + ", MONTH)" }
func (d bigQueryDialect) FormatDate(x, layout string) string {
	return "FORMAT_DATE(" + d.String(layout) + ", " + x + ")"
}
func (bigQueryDialect) DateDiffDays(from, to string) string {
	return "DATE_DIFF(" + to + ", " + from + ", DAY)"
}
func (bigQueryDialect) AddDays(x, n string) string {
	return "DATE_ADD(" + x + ", INTERVAL CAST(" + n + " AS INT64) DAY)"
}
func (d bigQueryDialect) StarExcept(qualifier string, cols ...string) string {
	return starExcept(d.Ident, "EXCEPT", qualifier, cols)
}
func (bigQueryDialect) ColumnType(t arrow.DataType) string { return bigQueryTypeOf(t) }
func (bigQueryDialect) Now() string                        { return "CURRENT_TIMESTAMP()" }
func (bigQueryDialect) TimestampDiff(unit, from, to string) string {
	return "TIMESTAMP_DIFF(" + to + ", " + from + ", " + strings.ToUpper(timeUnit(unit)) + ")"
}
func (bigQueryDialect) ArgMax(x, by string) string {
	return "ARRAY_AGG(" + x + " IGNORE NULLS ORDER BY " + by + " DESC LIMIT 1)[SAFE_OFFSET(0)]"
}
func (bigQueryDialect) ArgMin(x, by string) string {
	return "ARRAY_AGG(" + x + " IGNORE NULLS ORDER BY " + by + " LIMIT 1)[SAFE_OFFSET(0)]"
}
func (bigQueryDialect) Median(x string) string { return "APPROX_QUANTILES(" + x + ", 2)[OFFSET(1)]" }

// Neg is written 0 - x: the BigQuery emulator has no unary minus, and the
// two are the same value in GoogleSQL.
func (bigQueryDialect) Neg(x string) string          { return "0 - " + x }
func (bigQueryDialect) RowKey(cols ...string) string { return strings.Join(cols, ", ") }
func (d bigQueryDialect) ArgMinOf(x string, key ...string) string {
	return d.ArgMin(x, d.RowKey(key...))
}
func (d bigQueryDialect) ArgMinCols(key, vals, names []string) (agg, cols string) {
	a := make([]string, len(vals))
	for i, v := range vals {
		a[i] = d.ArgMin(v, d.RowKey(key...)) + " AS " + names[i]
	}
	return strings.Join(a, ", "), strings.Join(names, ", ")
}
func (bigQueryDialect) TimestampUTC(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05") + "+00'"
}
func (bigQueryDialect) Fingerprint(x string) string { return "FARM_FINGERPRINT(" + x + ")" }
func (bigQueryDialect) RegexpMatches(s, re string) string {
	return "REGEXP_CONTAINS(" + s + ", " + re + ")"
}

func starExcept(ident func(string) string, kw, qualifier string, cols []string) string {
	s := "*"
	if qualifier != "" {
		s = qualifier + ".*"
	}
	if len(cols) == 0 {
		return s
	}
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = ident(c)
	}
	return s + " " + kw + " (" + strings.Join(q, ", ") + ")"
}

// BigQueryIdent quotes an identifier (or a dotted path) with backticks.
func BigQueryIdent(s string) string {
	return "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(s) + "`"
}

// BigQueryString renders s as a GoogleSQL string literal (backslash escapes;
// GoogleSQL does not accept the doubled quote of standard SQL).
func BigQueryString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// bigQueryTypeOf is the GoogleSQL column type of an Arrow type.
func bigQueryTypeOf(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return "INT64"
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return "FLOAT64"
	case arrow.BOOL:
		return "BOOL"
	case arrow.DATE32, arrow.DATE64:
		return "DATE"
	case arrow.TIMESTAMP:
		return "TIMESTAMP"
	case arrow.DECIMAL128, arrow.DECIMAL256:
		return "NUMERIC"
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY:
		return "BYTES"
	case arrow.DICTIONARY:
		return bigQueryTypeOf(t.(*arrow.DictionaryType).ValueType)
	default:
		return "STRING"
	}
}
