//go:build !nobigquery

package warehouse

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/apache/arrow-go/v18/arrow"
)

// --- transactions ---------------------------------------------------------------

var ddlRE = regexp.MustCompile(`(?i)^\s*(CREATE|DROP|ALTER|TRUNCATE)\b`)

type bqTx struct {
	w      *BigQuery
	id     string
	seq    int
	ops    []prepared
	stages []string
}

// InTx runs fn; see the type comment for what is atomic.
func (w *BigQuery) InTx(ctx context.Context, fn func(tx Tx) error) (err error) {
	tx := &bqTx{w: w, id: fmt.Sprintf("%d_%d", time.Now().UnixNano(), w.txSeq.Add(1))}
	defer func() {
		// Staging tables go whatever happened (they also expire in a day).
		for _, s := range tx.stages {
			_ = w.client.Dataset(w.opts.Dataset).Table(s).Delete(context.Background())
		}
		if p := recover(); p != nil {
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.commit(ctx)
}

func (t *bqTx) commit(ctx context.Context) error {
	if len(t.ops) == 0 {
		return nil
	}
	var sb strings.Builder
	var params []bigquery.QueryParameter
	sb.WriteString("BEGIN TRANSACTION;\n")
	for _, op := range t.ops {
		sb.WriteString(op.sql)
		sb.WriteString(";\n")
		params = append(params, op.params...)
	}
	sb.WriteString("COMMIT TRANSACTION;")
	if _, err := t.w.run(ctx, t.w.client, prepared{sql: sb.String(), params: params}); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// CreateTable creates table from schema at once (DDL is not part of the
// transaction; see the BigQuery type comment).
func (t *bqTx) CreateTable(ctx context.Context, table string, schema *arrow.Schema) error {
	return t.w.CreateTable(ctx, table, schema)
}

// CreateTableAs creates table from query at once, like CreateTable.
func (t *bqTx) CreateTableAs(ctx context.Context, table, query string) error {
	return t.w.CreateTableAs(ctx, table, query)
}

func (t *bqTx) Exec(ctx context.Context, query string, args ...any) error {
	t.seq++
	p, err := prepare(query, fmt.Sprintf("s%d_", t.seq), args)
	if err != nil {
		return err
	}
	if ddlRE.MatchString(p.sql) {
		return t.w.exec(ctx, p)
	}
	t.ops = append(t.ops, p)
	return nil
}

func (t *bqTx) Query(ctx context.Context, query string, args ...any) ([]arrow.RecordBatch, error) {
	return t.w.Query(ctx, query, args...)
}

func (t *bqTx) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return t.w.QueryRow(ctx, query, args, dest...)
}

// Load stages recs (one Parquet file, one load job, WRITE_TRUNCATE into a
// staging table of this call) and queues the insert into table for commit.
func (t *bqTx) Load(ctx context.Context, table string, recs ...arrow.RecordBatch) (int64, error) {
	n := NumRows(recs)
	if n == 0 {
		return 0, nil
	}
	t.seq++
	stage := fmt.Sprintf("_crmkit_stage_%s_%d", t.id, t.seq)
	t.stages = append(t.stages, stage)
	insert, err := t.w.stage(ctx, table, stage, recs)
	if err != nil {
		return 0, err
	}
	t.ops = append(t.ops, prepared{sql: insert})
	return n, nil
}

// stage loads recs into the new table stage (expiring in a day) with one
// Parquet load job and returns the INSERT moving them into table, casting
// where the staged type differs from the table's.
func (w *BigQuery) stage(ctx context.Context, table, stage string, recs []arrow.RecordBatch) (string, error) {
	schema := recs[0].Schema()
	ds := w.client.Dataset(w.opts.Dataset)
	target, err := ds.Table(table).Metadata(ctx)
	if err != nil {
		return "", fmt.Errorf("load %s: %w", table, err)
	}
	md := &bigquery.TableMetadata{Schema: BigQuerySchema(normalizedSchema(schema, w.datesAsDays)), ExpirationTime: time.Now().Add(24 * time.Hour)}
	if err := ds.Table(stage).Create(ctx, md); err != nil {
		return "", fmt.Errorf("load %s: create staging table: %w", table, err)
	}
	if _, err := w.loadParquet(ctx, stage, "crmkit_load_"+stage, schema, recs, bigquery.WriteTruncate); err != nil {
		return "", err
	}
	types := map[string]bigquery.FieldType{}
	for _, f := range target.Schema {
		types[f.Name] = f.Type
	}
	cols := make([]string, 0, len(schema.Fields()))
	sel := make([]string, 0, len(schema.Fields()))
	for i, f := range schema.Fields() {
		tt, ok := types[f.Name]
		if !ok {
			return "", fmt.Errorf("load %s: table has no column %q", table, f.Name)
		}
		c := BigQueryIdent(f.Name)
		cols = append(cols, c)
		st := md.Schema[i].Type
		switch {
		case tt == st:
			sel = append(sel, c)
		case tt == bigquery.DateFieldType && st == bigquery.IntegerFieldType:
			sel = append(sel, "DATE_FROM_UNIX_DATE("+c+")")
		default:
			sel = append(sel, "CAST("+c+" AS "+googleSQLType(tt)+")")
		}
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s",
		BigQueryIdent(table), strings.Join(cols, ", "), strings.Join(sel, ", "), BigQueryIdent(stage)), nil
}

func googleSQLType(t bigquery.FieldType) string {
	switch t {
	case bigquery.IntegerFieldType:
		return "INT64"
	case bigquery.FloatFieldType:
		return "FLOAT64"
	case bigquery.BooleanFieldType:
		return "BOOL"
	default:
		return string(t)
	}
}

// Reads counts the results read through the Storage Read API and from REST
// rows.
func (w *BigQuery) Reads() (storage, rest int64) { return w.reads[0].Load(), w.reads[1].Load() }
