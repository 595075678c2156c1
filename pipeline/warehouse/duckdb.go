package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

var memoryLimitRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

// ValidMemoryLimit reports whether s is a DuckDB memory_limit size such as
// 2GB or 512MiB (it is interpolated into SQL, so nothing else is allowed).
func ValidMemoryLimit(s string) bool { return memoryLimitRe.MatchString(s) }

// DuckDB is the embedded warehouse: one file, no server.
type DuckDB struct {
	db   *sql.DB
	path string
}

// DuckDBOptions configures OpenDuckDB.
type DuckDBOptions struct {
	Threads     int
	MemoryLimit string
}

// OpenDuckDB opens (creating when needed) the DuckDB file at path.
func OpenDuckDB(path string, opts DuckDBOptions) (*DuckDB, error) {
	if path != "" && path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("open duckdb %q: %w", path, err)
		}
	}
	dsn := path
	if dsn == ":memory:" {
		dsn = ""
	}
	return openDuck(path, dsn, "open duckdb", opts, []string{
		// Many small per-file commits would otherwise each trigger a
		// checkpoint once the WAL passes 16 MB.
		"SET checkpoint_threshold = '1GB'",
		// Give freed memory back to the system soon after big queries
		// instead of keeping it in the allocator's caches. Keeping up to
		// 256 MB without background purging made the 1M nightly ~10%
		// faster but raised the full chain's peak by 640 MiB
		// (docs/performance.md).
		"SET allocator_background_threads = true", "SET allocator_flush_threshold = '32MB'",
		// Nothing reads rows back in the order they were written
		// (every query that needs an order says ORDER BY, and raw rows
		// carry their file position in _row): without the guarantee
		// DuckDB inserts and copies tables in parallel with less
		// memory (figures in docs/performance.md).
		"SET preserve_insertion_order = false"}, nil)
}

// openDuck opens a DuckDB connector on dsn and runs first, the threads and
// memory settings of opts, then last on every new connection; what names
// the open in errors. Both the read-write and the read-only open use it.
func openDuck(path, dsn, what string, opts DuckDBOptions, first, last []string) (*DuckDB, error) {
	if opts.MemoryLimit != "" && !ValidMemoryLimit(opts.MemoryLimit) {
		return nil, fmt.Errorf("open duckdb %q: memory_limit %q: want a size such as 2GB or 512MiB", path, opts.MemoryLimit)
	}
	conn, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		stmts := append([]string(nil), first...)
		if opts.Threads > 0 {
			stmts = append(stmts, fmt.Sprintf("SET threads=%d", opts.Threads))
		}
		if opts.MemoryLimit != "" {
			stmts = append(stmts, fmt.Sprintf("SET memory_limit='%s'", opts.MemoryLimit))
		}
		stmts = append(stmts, last...)
		for _, s := range stmts {
			if _, err := ex.ExecContext(context.Background(), s, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, path, err)
	}
	db := sql.OpenDB(conn)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s %q: %w", what, path, err)
	}
	return &DuckDB{db: db, path: path}, nil
}

// DB exposes the database/sql handle (tests, ad hoc SQL).
func (d *DuckDB) DB() *sql.DB { return d.db }

// Path is the warehouse file.
func (d *DuckDB) Path() string { return d.path }

// Close closes the database.
func (d *DuckDB) Close() error { return d.db.Close() }

// Dialect returns the DuckDB dialect.
func (d *DuckDB) Dialect() Dialect { return duckDialect{} }

type duckDialect struct{}

func (duckDialect) Name() string             { return "duckdb" }
func (duckDialect) Table(name string) string { return name }

// Exec runs a statement.
func (d *DuckDB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := d.db.ExecContext(ctx, query, args...)
	return err
}

// QueryRow scans one row.
func (d *DuckDB) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return queryRow(ctx, d.db.QueryRowContext(ctx, query, args...), dest)
}

func queryRow(_ context.Context, row *sql.Row, dest []any) error {
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoRows
	}
	return err
}

// Query returns the result as Arrow batches.
func (d *DuckDB) Query(ctx context.Context, query string, args ...any) ([]arrow.RecordBatch, error) {
	c, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return arrowQuery(ctx, c, query, args)
}

func arrowQuery(ctx context.Context, c *sql.Conn, query string, args []any) ([]arrow.RecordBatch, error) {
	var out []arrow.RecordBatch
	err := c.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rdr.Release()
		comp := newCompactor()
		for rdr.Next() {
			rec := rdr.RecordBatch()
			rec.Retain()
			comp.add(rec)
		}
		if err := rdr.Err(); err != nil {
			comp.abort()
			return err
		}
		out, err = comp.finish()
		return err
	})
	if err != nil {
		Release(out)
		return nil, err
	}
	return out, nil
}

var viewSeq atomic.Int64

func arrowLoad(ctx context.Context, c *sql.Conn, table string, recs []arrow.RecordBatch) (int64, error) {
	if NumRows(recs) == 0 {
		return 0, nil
	}
	rdr, err := array.NewRecordReader(recs[0].Schema(), recs)
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", table, err)
	}
	defer rdr.Release()
	return arrowLoadReader(ctx, c, table, rdr)
}

// arrowLoadReader appends every batch of rdr to table with one INSERT over
// an Arrow scan, returning the rows inserted. DuckDB pulls the batches while
// the statement runs, so rdr may produce them as it goes.
func arrowLoadReader(ctx context.Context, c *sql.Conn, table string, rdr array.RecordReader) (int64, error) {
	return arrowLoadReaderConst(ctx, c, table, rdr, "", nil)
}

// InTx runs fn in a transaction on one connection.
func (d *DuckDB) InTx(ctx context.Context, fn func(tx Tx) error) (err error) {
	c, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_, _ = c.ExecContext(context.Background(), "ROLLBACK")
		}
		if p := recover(); p != nil {
			panic(p)
		}
	}()
	if err := fn(&duckTx{c: c}); err != nil {
		_, rerr := c.ExecContext(context.Background(), "ROLLBACK")
		done = true
		if rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	done = true
	return nil
}

type duckTx struct{ c *sql.Conn }

func (t *duckTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.c.ExecContext(ctx, query, args...)
	return err
}

func (t *duckTx) Query(ctx context.Context, query string, args ...any) ([]arrow.RecordBatch, error) {
	return arrowQuery(ctx, t.c, query, args)
}

func (t *duckTx) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return queryRow(ctx, t.c.QueryRowContext(ctx, query, args...), dest)
}

func (t *duckTx) Load(ctx context.Context, table string, recs ...arrow.RecordBatch) (int64, error) {
	return arrowLoad(ctx, t.c, table, recs)
}

// LoadReader appends every batch of rdr to table in one INSERT and returns
// the rows inserted. rdr may build its batches while DuckDB consumes them
// (it is called from DuckDB's threads, one call at a time). One statement
// per file lets DuckDB compress and write full row groups while it inserts;
// many small INSERTs in a transaction leave all that work to COMMIT, which
// runs single-threaded and serialises the commits of concurrent loads.
func (t *duckTx) LoadReader(ctx context.Context, table string, rdr array.RecordReader) (int64, error) {
	return arrowLoadReader(ctx, t.c, table, rdr)
}

// Replace swaps table's contents for recs in one transaction.
func (d *DuckDB) Replace(ctx context.Context, table string, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	return d.InTx(ctx, func(tx Tx) error {
		if err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
			return err
		}
		if err := tx.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", table, ColumnsDDL(schema))); err != nil {
			return fmt.Errorf("create %s: %w", table, err)
		}
		_, err := tx.Load(ctx, table, recs...)
		return err
	})
}

// ColumnsDDL renders an Arrow schema as a column list for CREATE TABLE,
// with the DuckDB storage hint of each field that has one (Compressed).
func ColumnsDDL(schema *arrow.Schema) string {
	s := ""
	for i, f := range schema.Fields() {
		if i > 0 {
			s += ", "
		}
		s += QuoteIdent(f.Name) + " " + sqlTypeOf(f.Type) + CompressionDDL(compressionOf(f))
	}
	return s
}

// compressionKey is the Arrow field metadata key of a storage hint.
const compressionKey = "crmkit.duckdb.compression"

// Storage hints for string columns: DuckDB otherwise tries every method on
// every segment it writes, which costs more than compressing. Dictionary
// suits columns with few distinct values (channels, statuses, load ids).
// Unique-ish identifiers (order ids, customer ids, phone numbers) are
// stored uncompressed (CompressNone): FSST halves their size but costs
// more on every write than it saves on the reads; the bench figures are in
// docs/performance.md.
const (
	CompressDictionary = "dictionary"
	CompressNone       = "uncompressed"
)

// Compressed returns f with the DuckDB storage hint method (CompressDictionary
// or CompressNone), which ColumnsDDL writes as USING COMPRESSION; BigQuery
// DDL leaves it out.
func Compressed(f arrow.Field, method string) arrow.Field {
	md := map[string]string{compressionKey: method}
	for i, k := range f.Metadata.Keys() {
		if k != compressionKey {
			md[k] = f.Metadata.Values()[i]
		}
	}
	f.Metadata = arrow.MetadataFrom(md)
	return f
}

func compressionOf(f arrow.Field) string {
	if i := f.Metadata.FindKey(compressionKey); i >= 0 {
		return f.Metadata.Values()[i]
	}
	return ""
}

// CompressionDDL is the column DDL suffix of a storage hint: " USING
// COMPRESSION fsst", or "" for no hint or an unknown method.
func CompressionDDL(method string) string {
	switch method {
	case CompressDictionary, CompressNone:
		return " USING COMPRESSION " + method
	}
	return ""
}

func sqlTypeOf(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32:
		return "INTEGER"
	case arrow.INT64, arrow.UINT32, arrow.UINT64:
		return "BIGINT"
	case arrow.FLOAT32, arrow.FLOAT64:
		return "DOUBLE"
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.DATE32, arrow.DATE64:
		return "DATE"
	case arrow.TIMESTAMP:
		if ts, ok := t.(*arrow.TimestampType); ok && ts.TimeZone != "" {
			return "TIMESTAMPTZ"
		}
		return "TIMESTAMP"
	default:
		return "VARCHAR"
	}
}
