//go:build !nobigquery

package warehouse

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
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

// BigQuerySchema converts an Arrow schema to a BigQuery schema (every column
// NULLABLE): the schema of staged and loaded batches.
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

// TableSchema converts the Arrow schema of a declared table to the schema
// BigQuery creates it with: BigQuerySchema's types, and REQUIRED for every
// field that is not Nullable.
func TableSchema(schema *arrow.Schema) bigquery.Schema {
	bs := BigQuerySchema(schema)
	for i, f := range schema.Fields() {
		bs[i].Required = !f.Nullable
	}
	return bs
}

// CreateTable creates table from an Arrow schema (TableSchema) with the
// partitioning and clustering of LayoutFor; an existing table is left alone.
func (w *BigQuery) CreateTable(ctx context.Context, table string, schema *arrow.Schema) error {
	bs := TableSchema(schema)
	md := &bigquery.TableMetadata{Schema: bs}
	layoutOfSchema(table, bs).apply(md)
	err := w.client.Dataset(w.opts.Dataset).Table(table).Create(ctx, md)
	if err != nil && !isHTTPStatus(err, http.StatusConflict) {
		return fmt.Errorf("create %s: %w", table, err)
	}
	return nil
}

// CreateTableAs creates or replaces table with the result of query, with the
// partitioning and clustering LayoutFor gives the table's name (the column
// types are not known before the query runs). An engine that refuses
// PARTITION BY or CLUSTER BY in CREATE TABLE ... AS (the emulator does) gets
// the table without them.
func (w *BigQuery) CreateTableAs(ctx context.Context, table, query string) error {
	p, err := prepare(query, "", nil)
	if err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}
	head := "CREATE OR REPLACE TABLE " + BigQueryIdent(table)
	if l := LayoutFor(table, nil).ddl(); l != "" {
		_, err := w.run(ctx, w.client, prepared{sql: head + l + " AS " + p.sql})
		if err == nil {
			return nil
		}
		if !layoutUnsupported(err) {
			return fmt.Errorf("create %s: %w", table, err)
		}
	}
	if _, err := w.run(ctx, w.client, prepared{sql: head + " AS " + p.sql}); err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}
	return nil
}

func layoutUnsupported(err error) bool {
	m := err.Error()
	return strings.Contains(m, "PARTITION BY is unsupported") || strings.Contains(m, "CLUSTER BY is unsupported")
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
	if err := w.CreateTable(ctx, table, Nullable(schema)); err != nil {
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
