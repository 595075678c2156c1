//go:build !nobigquery

package warehouse

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/apache/arrow-go/v18/arrow"
)

// --- tables, loads --------------------------------------------------------------

// Layout is how a table is partitioned and clustered.
type Layout struct {
	// PartitionField is a DATE or TIMESTAMP column ("" = not partitioned).
	PartitionField string
	// Monthly partitions (otherwise daily).
	Monthly bool
	// Cluster lists the clustering columns.
	Cluster []string
}

// eventTime names the event timestamp of the core tables built with CREATE
// TABLE ... AS (whose column types the DDL text does not show).
var eventTime = map[string]string{
	"order_lines": "order_ts", "orders": "order_ts", "social_interactions": "ts",
	"campaign_contacts": "contacted_ts", "service_tickets": "opened_ts",
	"publish_order_facts": "order_ts",
}

// clusterKeys overrides clustering where the lookups are not by customer:
// the core build joins identity_assignments on (rec_table, rec_key) with a
// constant rec_table, once per event table.
var clusterKeys = map[string][]string{
	"identity_assignments": {"rec_table", "rec_key"},
	"identity_map":         {"id_type", "id_value"},
}

// LayoutFor decides partitioning and clustering from a table's name and
// columns (name -> GoogleSQL type; nil when unknown):
//   - a DATE column as_of (every mart) gives daily partitions: a nightly run
//     rewrites and the scorecards read one as-of date, a single partition;
//   - the event time of the order, interaction, contact and ticket tables
//     gives monthly partitions (daily ones would hold a few MB each at a
//     million customers, below the size where partitions pay; the model
//     windows are months anyway);
//   - a customer_id column adds clustering on it, so per-customer lookups
//     and joins read only the blocks of those customers; the identity
//     tables cluster on their lookup keys instead (clusterKeys).
//
// Small dimension tables (products, stores, campaigns) get neither.
func LayoutFor(table string, cols map[string]string) Layout {
	var l Layout
	if t, ok := cols["as_of"]; ok && t == "DATE" {
		l.PartitionField = "as_of"
	} else if f := eventTime[table]; f != "" {
		if t, ok := cols[f]; cols == nil || (ok && t == "TIMESTAMP") {
			l.PartitionField, l.Monthly = f, true
		}
	}
	_, hasCustomer := cols["customer_id"]
	if k, ok := clusterKeys[table]; ok {
		l.Cluster = k
	} else if hasCustomer || (cols == nil && eventTime[table] != "") {
		l.Cluster = []string{"customer_id"}
	}
	return l
}

// ddl renders the layout as PARTITION BY / CLUSTER BY clauses.
func (l Layout) ddl() string {
	s := ""
	if l.PartitionField != "" {
		if l.Monthly {
			s += " PARTITION BY TIMESTAMP_TRUNC(" + BigQueryIdent(l.PartitionField) + ", MONTH)"
		} else {
			s += " PARTITION BY " + BigQueryIdent(l.PartitionField)
		}
	}
	if len(l.Cluster) > 0 {
		q := make([]string, len(l.Cluster))
		for i, c := range l.Cluster {
			q[i] = BigQueryIdent(c)
		}
		s += " CLUSTER BY " + strings.Join(q, ", ")
	}
	return s
}

func (l Layout) apply(md *bigquery.TableMetadata) {
	if l.PartitionField != "" {
		tp := &bigquery.TimePartitioning{Field: l.PartitionField, Type: bigquery.DayPartitioningType}
		if l.Monthly {
			tp.Type = bigquery.MonthPartitioningType
		}
		md.TimePartitioning = tp
	}
	if len(l.Cluster) > 0 {
		md.Clustering = &bigquery.Clustering{Fields: l.Cluster}
	}
}

var createTableRE = regexp.MustCompile("(?is)^\\s*CREATE\\s+(OR\\s+REPLACE\\s+)?TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?([A-Za-z0-9_.`]+)\\s*(\\(|AS\\b)")

var layoutClauseRE = regexp.MustCompile(`(?i)\bPARTITION\s+BY\b|\bCLUSTER\s+BY\b`)

// addTableLayout adds PARTITION BY / CLUSTER BY to a translated CREATE TABLE
// statement (column list or AS SELECT) that has none, per LayoutFor.
func addTableLayout(sql string) string {
	m := createTableRE.FindStringSubmatchIndex(sql)
	if m == nil {
		return sql
	}
	name := strings.Trim(sql[m[6]:m[7]], "`")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	open := m[8]
	if sql[open] != '(' { // CREATE TABLE x AS SELECT
		l := LayoutFor(name, nil)
		return sql[:open] + strings.TrimPrefix(l.ddl(), " ") + spaceIf(l.ddl() != "") + sql[open:]
	}
	closeAt := matchParen(sql, open)
	if closeAt < 0 {
		return sql
	}
	if rest := sql[closeAt+1:]; strings.HasPrefix(strings.ToUpper(strings.TrimSpace(rest)), "AS") || layoutClauseRE.MatchString(rest) {
		return sql
	}
	l := LayoutFor(name, columnTypes(sql[open+1:closeAt]))
	return sql[:closeAt+1] + l.ddl() + sql[closeAt+1:]
}

func spaceIf(b bool) string {
	if b {
		return " "
	}
	return ""
}

// matchParen returns the index of the parenthesis closing the one at open,
// skipping string literals and quoted identifiers.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\'', '`', '"':
			q := s[i]
			for i++; i < len(s) && s[i] != q; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// columnTypes parses "name TYPE ..., name TYPE ..." into name -> TYPE.
func columnTypes(list string) map[string]string {
	cols := map[string]string{}
	for _, def := range splitTopLevel(list) {
		f := strings.Fields(strings.TrimSpace(def))
		if len(f) >= 2 {
			cols[strings.Trim(f[0], "`")] = strings.ToUpper(f[1])
		}
	}
	return cols
}

// BigQuerySchema converts an Arrow schema to a BigQuery schema (every column
// NULLABLE).
func BigQuerySchema(schema *arrow.Schema) bigquery.Schema {
	out := make(bigquery.Schema, len(schema.Fields()))
	for i, f := range schema.Fields() {
		out[i] = &bigquery.FieldSchema{Name: f.Name, Type: bigqueryFieldType(f.Type)}
	}
	return out
}

func bigqueryFieldType(t arrow.DataType) bigquery.FieldType {
	switch bigQueryTypeOf(t) {
	case "INT64":
		return bigquery.IntegerFieldType
	case "FLOAT64":
		return bigquery.FloatFieldType
	case "BOOL":
		return bigquery.BooleanFieldType
	case "DATE":
		return bigquery.DateFieldType
	case "TIMESTAMP":
		return bigquery.TimestampFieldType
	case "NUMERIC":
		return bigquery.NumericFieldType
	case "BYTES":
		return bigquery.BytesFieldType
	default:
		return bigquery.StringFieldType
	}
}

func layoutOfSchema(table string, s bigquery.Schema) Layout {
	cols := map[string]string{}
	for _, f := range s {
		t := string(f.Type)
		switch f.Type {
		case bigquery.IntegerFieldType:
			t = "INT64"
		case bigquery.FloatFieldType:
			t = "FLOAT64"
		case bigquery.BooleanFieldType:
			t = "BOOL"
		}
		cols[f.Name] = t
	}
	return LayoutFor(table, cols)
}

// CreateTable creates table from an Arrow schema with the partitioning and
// clustering of LayoutFor; an existing table is left alone.
func (w *BigQuery) CreateTable(ctx context.Context, table string, schema *arrow.Schema) error {
	bs := BigQuerySchema(schema)
	md := &bigquery.TableMetadata{Schema: bs}
	layoutOfSchema(table, bs).apply(md)
	err := w.client.Dataset(w.opts.Dataset).Table(table).Create(ctx, md)
	if err != nil && !isHTTPStatus(err, http.StatusConflict) {
		return fmt.Errorf("create %s: %w", table, err)
	}
	return nil
}

// loadParquet writes recs as one Parquet file and loads it into table
// (created from the schema when missing) with one load job using the write
// disposition given; jobID makes a retried submission the same job.
func (w *BigQuery) loadParquet(ctx context.Context, table, jobID string, schema *arrow.Schema, recs []arrow.RecordBatch, disp bigquery.TableWriteDisposition) (int64, error) {
	var buf bytes.Buffer
	n, err := writeParquet(&buf, schema, recs, w.datesAsDays)
	if err != nil {
		return 0, fmt.Errorf("load %s: parquet: %w", table, err)
	}
	src := bigquery.NewReaderSource(&buf)
	src.SourceFormat = bigquery.Parquet
	src.Schema = BigQuerySchema(normalizedSchema(schema, w.datesAsDays))
	ld := w.client.Dataset(w.opts.Dataset).Table(table).LoaderFrom(src)
	ld.WriteDisposition = disp
	ld.CreateDisposition = bigquery.CreateIfNeeded
	ld.Location = w.opts.Location
	if jobID != "" {
		ld.JobID = jobID
	}
	job, err := ld.Run(ctx)
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", table, err)
	}
	st, err := job.Wait(ctx)
	if err == nil {
		err = st.Err()
	}
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", table, err)
	}
	return n, nil
}

// Replace replaces table with recs: the table is recreated from schema (with
// its layout) and filled by one Parquet load job with WRITE_TRUNCATE, so a
// retry replaces rather than doubles.
func (w *BigQuery) Replace(ctx context.Context, table string, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	t := w.client.Dataset(w.opts.Dataset).Table(table)
	if err := t.Delete(ctx); err != nil && !isHTTPStatus(err, http.StatusNotFound) {
		return fmt.Errorf("replace %s: %w", table, err)
	}
	if err := w.CreateTable(ctx, table, schema); err != nil {
		return fmt.Errorf("replace %s: %w", table, err)
	}
	if NumRows(recs) == 0 {
		return nil
	}
	if w.datesAsDays && hasDate(schema) {
		stage := fmt.Sprintf("_crmkit_stage_replace_%d_%d", time.Now().UnixNano(), w.txSeq.Add(1))
		defer w.client.Dataset(w.opts.Dataset).Table(stage).Delete(context.Background())
		insert, err := w.stage(ctx, table, stage, recs)
		if err == nil {
			_, err = w.run(ctx, w.client, prepared{sql: insert})
		}
		if err != nil {
			return fmt.Errorf("replace %s: %w", table, err)
		}
		return nil
	}
	_, err := w.loadParquet(ctx, table, "", schema, recs, bigquery.WriteTruncate)
	if err != nil {
		return fmt.Errorf("replace %s: %w", table, err)
	}
	return nil
}

func hasDate(s *arrow.Schema) bool {
	for _, f := range s.Fields() {
		if id := f.Type.ID(); id == arrow.DATE32 || id == arrow.DATE64 {
			return true
		}
	}
	return false
}
