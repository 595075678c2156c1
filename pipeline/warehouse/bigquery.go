//go:build !nobigquery

package warehouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"cloud.google.com/go/bigquery"
	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// BigQueryOptions configures OpenBigQuery.
type BigQueryOptions struct {
	// Project is the Google Cloud project that runs the jobs and holds the
	// dataset.
	Project string
	// Dataset holds every table: raw, core, marts, the load_files manifest
	// and the quarantine. It is created when missing.
	Dataset string
	// Location is the dataset and job location (e.g. "US", "asia-east2").
	Location string
	// CredentialsEnv names an environment variable holding the path of a
	// service-account key file. Empty means Application Default Credentials
	// (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default login,
	// or the metadata server on Google Cloud).
	CredentialsEnv string
	// Endpoint is the REST endpoint of an emulator, e.g.
	// http://127.0.0.1:9050; no authentication is used then.
	Endpoint string
	// GRPCEndpoint is the host:port of an emulator's Storage Read API
	// (plain-text gRPC). With Endpoint set and GRPCEndpoint empty, results
	// are read through REST only.
	GRPCEndpoint string
	// DisableStorageRead reads every result through the REST row iterator.
	DisableStorageRead bool
	// Mem allocates the Arrow results (default memory.DefaultAllocator).
	Mem memory.Allocator
}

// BigQuery is the warehouse on Google BigQuery: queries read back as Arrow
// through the Storage Read API (the REST rows of the response for results
// of one page, and as the fallback), loads as Parquet load jobs, tables
// partitioned on their date and clustered on customer_id.
//
// BigQuery has no transaction spanning DDL and load jobs, so InTx works
// this way: DDL (CREATE, DROP, ALTER) runs at once; DML (INSERT, UPDATE,
// DELETE, MERGE) is queued; Load writes each call's batches as one Parquet
// file through one load job into a staging table of its own with
// WRITE_TRUNCATE (a retried job replaces its staging rows, never adds to
// them); at commit the queued DML and the staged inserts run in order as one
// multi-statement transaction. Queries inside InTx see the data as it was
// before the transaction's queued writes.
type BigQuery struct {
	client   *bigquery.Client // Storage Read API enabled when available
	rest     *bigquery.Client // REST results only (the fallback)
	opts     BigQueryOptions
	dialect  bigQueryDialect
	mem      memory.Allocator
	storage  bool
	grpcConn *grpc.ClientConn // the emulator's Storage API connection
	read     *bqstorage.BigQueryReadClient
	// datesAsDays stages DATE columns as day numbers (INT64) converted with
	// DATE_FROM_UNIX_DATE on insert: the emulator misreads Parquet DATE
	// columns. Set when Endpoint is (an emulator); real BigQuery loads DATE.
	datesAsDays bool
	txSeq       atomic.Int64
	jobs        atomic.Int64
	reads       [2]atomic.Int64 // results read through Storage, through REST
}

// ErrNoCredentials is returned by OpenBigQuery when neither a service-account
// key nor Application Default Credentials can be found.
var ErrNoCredentials = errors.New("no Google Cloud credentials")

// credentialSource is what BigQueryCredentials decided.
type credentialSource struct {
	keyFile string // service-account key path ("" = ADC)
	how     string // human description for logs and errors
}

// bigQueryCredentials decides where credentials come from, without any
// network call: the key named by credentialsEnv, else ADC (the file of
// GOOGLE_APPLICATION_CREDENTIALS, gcloud's well-known file, or the metadata
// server when onGCE says so). getenv, exists and onGCE are injected so the
// decision is testable.
func bigQueryCredentials(credentialsEnv string, getenv func(string) string, exists func(string) bool, onGCE func() bool) (credentialSource, error) {
	if credentialsEnv != "" {
		p := getenv(credentialsEnv)
		if p == "" {
			return credentialSource{}, fmt.Errorf("%w: warehouse.credentials_env names %s, but %s is not set (want the path of a service-account key file)", ErrNoCredentials, credentialsEnv, credentialsEnv)
		}
		if !exists(p) {
			return credentialSource{}, fmt.Errorf("%w: %s=%q: no such file (want the path of a service-account key file)", ErrNoCredentials, credentialsEnv, p)
		}
		return credentialSource{keyFile: p, how: "service-account key from $" + credentialsEnv}, nil
	}
	if p := getenv("GOOGLE_APPLICATION_CREDENTIALS"); p != "" {
		if !exists(p) {
			return credentialSource{}, fmt.Errorf("%w: GOOGLE_APPLICATION_CREDENTIALS=%q: no such file", ErrNoCredentials, p)
		}
		return credentialSource{how: "Application Default Credentials from $GOOGLE_APPLICATION_CREDENTIALS"}, nil
	}
	if wk := wellKnownADCFile(getenv); wk != "" && exists(wk) {
		return credentialSource{how: "Application Default Credentials from " + wk}, nil
	}
	if onGCE != nil && onGCE() {
		return credentialSource{how: "Application Default Credentials from the metadata server"}, nil
	}
	return credentialSource{}, fmt.Errorf("%w for BigQuery: set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, "+
		"run 'gcloud auth application-default login', or name an environment variable holding a key path in warehouse.credentials_env "+
		"(credentials never go in the config file)", ErrNoCredentials)
}

func wellKnownADCFile(getenv func(string) string) string {
	if d := getenv("CLOUDSDK_CONFIG"); d != "" {
		return filepath.Join(d, "application_default_credentials.json")
	}
	home := getenv("HOME")
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".config", "gcloud", "application_default_credentials.json")
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// onGCE tells whether this runs on Google Cloud without probing the network:
// the metadata host variable, or the DMI product name Google sets.
func onGCE() bool {
	if os.Getenv("GCE_METADATA_HOST") != "" {
		return true
	}
	b, err := os.ReadFile("/sys/class/dmi/id/product_name")
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "Google")
}

// OpenBigQuery connects to BigQuery and creates the dataset when missing.
func OpenBigQuery(ctx context.Context, opts BigQueryOptions) (*BigQuery, error) {
	if opts.Project == "" || opts.Dataset == "" {
		return nil, errors.New("open bigquery: project and dataset are required")
	}
	var copts []option.ClientOption
	if opts.Endpoint != "" {
		copts = append(copts, option.WithEndpoint(opts.Endpoint), option.WithoutAuthentication())
	} else {
		src, err := bigQueryCredentials(opts.CredentialsEnv, os.Getenv, fileExists, onGCE)
		if err != nil {
			return nil, fmt.Errorf("open bigquery: %w", err)
		}
		if src.keyFile != "" {
			copts = append(copts, option.WithAuthCredentialsFile(option.ServiceAccount, src.keyFile))
		}
	}
	client, err := bigquery.NewClient(ctx, opts.Project, copts...)
	if err != nil {
		return nil, fmt.Errorf("open bigquery: %w", err)
	}
	rest, err := bigquery.NewClient(ctx, opts.Project, copts...)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("open bigquery: %w", err)
	}
	client.Location, rest.Location = opts.Location, opts.Location
	w := &BigQuery{client: client, rest: rest, opts: opts, dialect: bigQueryDialect{project: opts.Project, dataset: opts.Dataset}, mem: opts.Mem,
		datesAsDays: opts.Endpoint != ""}
	if w.mem == nil {
		w.mem = memory.DefaultAllocator
	}
	if !opts.DisableStorageRead && (opts.Endpoint == "" || opts.GRPCEndpoint != "") {
		sopts := copts
		if opts.GRPCEndpoint != "" {
			// The emulator serves plain-text gRPC: hand the client a ready
			// connection (a dial option alone is overridden by TLS).
			conn, err := grpc.NewClient(opts.GRPCEndpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				w.Close()
				return nil, fmt.Errorf("open bigquery: storage endpoint %s: %w", opts.GRPCEndpoint, err)
			}
			w.grpcConn = conn
			sopts = []option.ClientOption{option.WithGRPCConn(conn), option.WithoutAuthentication()}
		}
		if err := client.EnableStorageReadClient(ctx, sopts...); err != nil {
			w.Close()
			return nil, fmt.Errorf("open bigquery: storage read client: %w", err)
		}
		rc, err := bqstorage.NewBigQueryReadClient(ctx, sopts...)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open bigquery: storage read client: %w", err)
		}
		w.read = rc
		w.storage = true
	}
	if err := w.ensureDataset(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (w *BigQuery) ensureDataset(ctx context.Context) error {
	ds := w.client.Dataset(w.opts.Dataset)
	if _, err := ds.Metadata(ctx); err == nil {
		return nil
	} else if !isHTTPStatus(err, http.StatusNotFound) {
		return fmt.Errorf("open bigquery: dataset %s: %w", w.opts.Dataset, err)
	}
	err := ds.Create(ctx, &bigquery.DatasetMetadata{Location: w.opts.Location, Description: "crmkit warehouse"})
	if err != nil && !isHTTPStatus(err, http.StatusConflict) {
		return fmt.Errorf("open bigquery: create dataset %s: %w", w.opts.Dataset, err)
	}
	return nil
}

func isHTTPStatus(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}

// Client exposes the BigQuery client (tests, ad hoc API calls).
func (w *BigQuery) Client() *bigquery.Client { return w.client }

// StorageRead tells whether results are read through the Storage Read API.
func (w *BigQuery) StorageRead() bool { return w.storage }

// Statements is the number of statements and queries run so far. Every
// query carries the label app=crmkit, so what a run cost can be read from
// INFORMATION_SCHEMA.JOBS (total_bytes_billed) by that label.
func (w *BigQuery) Statements() int64 { return w.jobs.Load() }

// Dialect returns the GoogleSQL dialect.
func (w *BigQuery) Dialect() Dialect { return w.dialect }

// Close closes the clients.
func (w *BigQuery) Close() error {
	err := errors.Join(w.client.Close(), w.rest.Close())
	if w.read != nil {
		err = errors.Join(err, w.read.Close())
	}
	if w.grpcConn != nil {
		err = errors.Join(err, w.grpcConn.Close())
	}
	return err
}

// TableExists reports whether the dataset holds table name.
func (w *BigQuery) TableExists(ctx context.Context, name string) (bool, error) {
	_, err := w.client.Dataset(w.opts.Dataset).Table(name).Metadata(ctx)
	if err == nil {
		return true, nil
	}
	if isHTTPStatus(err, http.StatusNotFound) {
		return false, nil
	}
	return false, fmt.Errorf("table exists %s: %w", name, err)
}

// TableColumns returns the column names of table from its schema, none
// when it does not exist.
func (w *BigQuery) TableColumns(ctx context.Context, table string) ([]string, error) {
	md, err := w.client.Dataset(w.opts.Dataset).Table(table).Metadata(ctx)
	if isHTTPStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	cols := make([]string, len(md.Schema))
	for i, f := range md.Schema {
		cols[i] = f.Name
	}
	return cols, nil
}

// --- statements ---------------------------------------------------------------

// prepared is a statement translated to GoogleSQL with its parameters.
type prepared struct {
	sql    string
	params []bigquery.QueryParameter
}

// prepare translates query and binds args to its '?' placeholders as named
// parameters @<prefix>N; nil (or a nil pointer) becomes a NULL literal.
func prepare(query, prefix string, args []any) (prepared, error) {
	if want := CountPlaceholders(query); want != len(args) {
		return prepared{}, fmt.Errorf("query has %d placeholders, got %d arguments", want, len(args))
	}
	var p prepared
	var bindErr error
	bound := map[int]bool{}
	p.sql = TranslateToBigQuery(query, func(i int) string {
		v, isNull, err := paramValue(args[i])
		if err != nil && bindErr == nil {
			bindErr = fmt.Errorf("argument %d: %w", i+1, err)
		}
		if isNull {
			return "NULL"
		}
		name := fmt.Sprintf("%sp%d", prefix, i)
		if !bound[i] { // $N may bind one argument several times
			bound[i] = true
			p.params = append(p.params, bigquery.QueryParameter{Name: name, Value: v})
		}
		return "@" + name
	})
	return p, bindErr
}

func (w *BigQuery) newQuery(c *bigquery.Client, p prepared) *bigquery.Query {
	q := c.Query(p.sql)
	q.DefaultProjectID = w.opts.Project
	q.DefaultDatasetID = w.opts.Dataset
	q.Location = w.opts.Location
	q.Parameters = p.params
	q.Labels = map[string]string{"app": "crmkit"}
	return q
}

// run runs a prepared statement to completion through the client's query
// path (jobs.query, falling back to a job when the statement needs one) and
// returns its rows. Results larger than one page come through the Storage
// Read API when it is enabled on c.
func (w *BigQuery) run(ctx context.Context, c *bigquery.Client, p prepared) (*bigquery.RowIterator, error) {
	it, err := w.newQuery(c, p).Read(ctx)
	if err != nil {
		return nil, err
	}
	w.jobs.Add(1)
	return it, nil
}

// Exec runs a statement.
func (w *BigQuery) Exec(ctx context.Context, query string, args ...any) error {
	p, err := prepare(query, "", args)
	if err != nil {
		return err
	}
	return w.exec(ctx, p)
}

// exec runs a translated statement. CREATE TABLE with a plain column list
// becomes a tables.insert call carrying the partitioning and clustering of
// LayoutFor; CREATE TABLE ... AS SELECT gets PARTITION BY / CLUSTER BY
// clauses, dropped again when the engine refuses them (the emulator does).
func (w *BigQuery) exec(ctx context.Context, p prepared) error {
	if ok, err := w.createFromDDL(ctx, p.sql); ok {
		return err
	}
	if withLayout := addTableLayout(p.sql); withLayout != p.sql {
		_, err := w.run(ctx, w.client, prepared{sql: withLayout, params: p.params})
		if err == nil || !layoutUnsupported(err) {
			return err
		}
	}
	_, err := w.run(ctx, w.client, p)
	return err
}

func layoutUnsupported(err error) bool {
	m := err.Error()
	return strings.Contains(m, "PARTITION BY is unsupported") || strings.Contains(m, "CLUSTER BY is unsupported")
}

var columnDefRE = regexp.MustCompile(`(?i)^\s*(` + "`[^`]+`" + `|[A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z0-9_]+)\s*(NOT\s+NULL)?\s*$`)

// createFromDDL creates the table of a "CREATE [OR REPLACE] TABLE [IF NOT
// EXISTS] t (name TYPE [NOT NULL], ...)" statement through the tables API;
// ok is false when sql is not such a statement.
func (w *BigQuery) createFromDDL(ctx context.Context, sql string) (ok bool, err error) {
	m := createTableRE.FindStringSubmatchIndex(sql)
	if m == nil || sql[m[8]] != '(' {
		return false, nil
	}
	closeAt := matchParen(sql, m[8])
	if closeAt < 0 || strings.TrimSpace(strings.TrimRight(sql[closeAt+1:], "; \t\r\n")) != "" {
		return false, nil
	}
	name := strings.Trim(sql[m[6]:m[7]], "`")
	if strings.Contains(name, ".") {
		return false, nil
	}
	var schema bigquery.Schema
	for _, def := range splitTopLevel(sql[m[8]+1 : closeAt]) {
		cm := columnDefRE.FindStringSubmatch(def)
		if cm == nil {
			return false, nil
		}
		ft, known := googleSQLFieldTypes[strings.ToUpper(cm[2])]
		if !known {
			return false, nil
		}
		schema = append(schema, &bigquery.FieldSchema{Name: strings.Trim(cm[1], "`"), Type: ft, Required: cm[3] != ""})
	}
	orReplace, ifNotExists := m[2] >= 0, m[4] >= 0
	t := w.client.Dataset(w.opts.Dataset).Table(name)
	if orReplace {
		if err := t.Delete(ctx); err != nil && !isHTTPStatus(err, http.StatusNotFound) {
			return true, fmt.Errorf("create %s: %w", name, err)
		}
	}
	md := &bigquery.TableMetadata{Schema: schema}
	layoutOfSchema(name, schema).apply(md)
	err = t.Create(ctx, md)
	if err != nil && !(ifNotExists && isHTTPStatus(err, http.StatusConflict)) {
		return true, fmt.Errorf("create %s: %w", name, err)
	}
	return true, nil
}

var googleSQLFieldTypes = map[string]bigquery.FieldType{
	"STRING": bigquery.StringFieldType, "INT64": bigquery.IntegerFieldType, "FLOAT64": bigquery.FloatFieldType,
	"BOOL": bigquery.BooleanFieldType, "TIMESTAMP": bigquery.TimestampFieldType, "DATE": bigquery.DateFieldType,
	"DATETIME": bigquery.DateTimeFieldType, "TIME": bigquery.TimeFieldType, "NUMERIC": bigquery.NumericFieldType,
	"BIGNUMERIC": bigquery.BigNumericFieldType, "BYTES": bigquery.BytesFieldType, "JSON": bigquery.JSONFieldType,
}

// splitTopLevel splits a column list on the commas outside parentheses.
func splitTopLevel(list string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(list); i++ {
		switch list[i] {
		case '(', '<':
			depth++
		case ')', '>':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, list[start:i])
				start = i + 1
			}
		}
	}
	return append(out, list[start:])
}

// Query runs a query and returns its result as Arrow record batches: read
// through the Storage Read API as an Arrow stream when the result spans
// pages, else built from the rows of the response. Should the Storage read
// fail, the query is read again through REST only (BigQuery answers a
// repeated deterministic query from its result cache, unbilled).
func (w *BigQuery) Query(ctx context.Context, query string, args ...any) ([]arrow.RecordBatch, error) {
	p, err := prepare(query, "", args)
	if err != nil {
		return nil, err
	}
	it, err := w.run(ctx, w.client, p)
	if err != nil {
		return nil, err
	}
	if it.IsAccelerated() {
		recs, serr := w.readArrow(it)
		if serr == nil {
			w.reads[0].Add(1)
			return recs, nil
		}
		if it, err = w.run(ctx, w.rest, p); err != nil {
			return nil, errors.Join(fmt.Errorf("storage read: %w", serr), err)
		}
	}
	w.reads[1].Add(1)
	return rowsToArrow(w.mem, it, 64*1024)
}

// ReadTable reads table (only columns, or all columns when none are given)
// as Arrow through a Storage Read API session: no query job, so no query
// bytes are billed, only the Storage API read of the selected columns. When
// the Storage API is off it reads the REST rows (tabledata.list) instead.
func (w *BigQuery) ReadTable(ctx context.Context, table string, columns ...string) ([]arrow.RecordBatch, error) {
	if w.read == nil {
		w.reads[1].Add(1)
		recs, err := rowsToArrow(w.mem, w.rest.Dataset(w.opts.Dataset).Table(table).Read(ctx), 64*1024)
		if err != nil {
			return nil, fmt.Errorf("read table %s: %w", table, err)
		}
		if len(columns) > 0 {
			return nil, fmt.Errorf("read table %s: column selection needs the Storage Read API", table)
		}
		return recs, nil
	}
	sess, err := w.read.CreateReadSession(ctx, &storagepb.CreateReadSessionRequest{
		Parent: "projects/" + w.opts.Project,
		ReadSession: &storagepb.ReadSession{
			Table:       fmt.Sprintf("projects/%s/datasets/%s/tables/%s", w.opts.Project, w.opts.Dataset, table),
			DataFormat:  storagepb.DataFormat_ARROW,
			ReadOptions: &storagepb.ReadSession_TableReadOptions{SelectedFields: columns},
		},
		MaxStreamCount: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("read table %s: storage session: %w", table, err)
	}
	schemaMsg := sess.GetArrowSchema().GetSerializedSchema()
	var out []arrow.RecordBatch
	fail := func(err error) ([]arrow.RecordBatch, error) {
		for _, r := range out {
			r.Release()
		}
		return nil, fmt.Errorf("read table %s: %w", table, err)
	}
	for _, st := range sess.GetStreams() {
		rows, err := w.read.ReadRows(ctx, &storagepb.ReadRowsRequest{ReadStream: st.GetName()})
		if err != nil {
			return fail(err)
		}
		for {
			resp, err := rows.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fail(err)
			}
			recs, err := decodeArrowPayload(w.mem, schemaMsg, resp.GetArrowRecordBatch().GetSerializedRecordBatch())
			if err != nil {
				return fail(err)
			}
			out = append(out, recs...)
		}
	}
	w.reads[0].Add(1)
	return out, nil
}

// decodeArrowPayload decodes one ReadRows payload. BigQuery sends bare IPC
// messages (the schema message once, then record batch messages); the
// emulator sends each as a whole IPC stream. A payload that reads as a
// stream on its own is taken as one, else it is read after the schema.
func decodeArrowPayload(mem memory.Allocator, schemaMsg, payload []byte) ([]arrow.RecordBatch, error) {
	rdr, err := ipc.NewReader(bytes.NewReader(payload), ipc.WithAllocator(mem))
	if err != nil {
		buf := make([]byte, 0, len(schemaMsg)+len(payload))
		buf = append(append(buf, schemaMsg...), payload...)
		if rdr, err = ipc.NewReader(bytes.NewReader(buf), ipc.WithAllocator(mem)); err != nil {
			return nil, err
		}
	}
	defer rdr.Release()
	var out []arrow.RecordBatch
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		out = append(out, rec)
	}
	if err := rdr.Err(); err != nil {
		for _, r := range out {
			r.Release()
		}
		return nil, err
	}
	return out, nil
}

// readArrow drains an accelerated iterator's Arrow IPC stream.
func (w *BigQuery) readArrow(it *bigquery.RowIterator) ([]arrow.RecordBatch, error) {
	ai, err := it.ArrowIterator()
	if err != nil {
		return nil, err
	}
	rdr, err := ipc.NewReader(&arrowStream{it: ai}, ipc.WithAllocator(w.mem))
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var out []arrow.RecordBatch
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rec.Retain()
		out = append(out, rec)
	}
	if err := rdr.Err(); err != nil {
		for _, r := range out {
			r.Release()
		}
		return nil, err
	}
	return out, nil
}

// arrowStream turns an ArrowIterator into an Arrow IPC stream (schema
// message, then the record batch messages), passing errors on.
type arrowStream struct {
	it  bigquery.ArrowIterator
	buf bytes.Buffer
	hdr bool
}

func (s *arrowStream) Read(p []byte) (int, error) {
	if !s.hdr {
		s.hdr = true
		s.buf.Write(s.it.SerializedArrowSchema())
	}
	for s.buf.Len() == 0 {
		b, err := s.it.Next()
		if errors.Is(err, iterator.Done) {
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		s.buf.Write(b.Data)
	}
	return s.buf.Read(p)
}

// QueryRow runs a query and scans its first row into dest.
func (w *BigQuery) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	p, err := prepare(query, "", args)
	if err != nil {
		return err
	}
	it, err := w.run(ctx, w.rest, p)
	if err != nil {
		return err
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		if errors.Is(err, iterator.Done) {
			return ErrNoRows
		}
		return err
	}
	if len(row) < len(dest) {
		return fmt.Errorf("query row: %d columns, %d destinations", len(row), len(dest))
	}
	for i, d := range dest {
		if err := scanValue(d, row[i]); err != nil {
			return fmt.Errorf("query row: column %d: %w", i+1, err)
		}
	}
	return nil
}

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
