//go:build !nobigquery

package warehouse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"cloud.google.com/go/bigquery"
	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/api/googleapi"
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
