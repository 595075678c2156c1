package warehouse

import (
	"context"

	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ReadOnlyQuerier runs one ad hoc statement only when it is a query: it
// refuses anything that writes, attaches, loads extensions or touches
// files, before running it.
type ReadOnlyQuerier interface {
	QueryReadOnly(ctx context.Context, query string) ([]arrow.RecordBatch, error)
}

// ErrNotAQuery is returned (wrapped) for a statement QueryReadOnly refuses.
var ErrNotAQuery = errors.New("only a single query (SELECT) may run here")

// ErrNoWarehouse is returned (wrapped) by OpenDuckDBReadOnly when the file
// does not exist.
var ErrNoWarehouse = errors.New("no warehouse file")

// OpenDuckDBReadOnly opens an existing DuckDB file for reading only. Three
// guards hold whatever SQL comes later: the database is attached with
// access_mode=READ_ONLY (no statement can change it), external access is
// off (no file reads or writes such as read_csv or COPY, no ATTACH, no
// INSTALL or LOAD), and the configuration is locked so SQL cannot turn
// either back on. Several read-only processes may share the file; none can
// open it while a writer holds it.
func OpenDuckDBReadOnly(path string, opts DuckDBOptions) (*DuckDB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open duckdb %q read-only: %w (nothing has run yet?): %w", path, ErrNoWarehouse, err)
	}
	return openDuck(path, path+"?access_mode=READ_ONLY&enable_external_access=false", "open duckdb read-only", opts,
		nil, []string{"SET lock_configuration = true"})
}

// readOnlyStatements are the statement types QueryReadOnly runs.
var readOnlyStatements = map[duckdb.StmtType]bool{duckdb.STATEMENT_TYPE_SELECT: true, duckdb.STATEMENT_TYPE_EXPLAIN: true}

var duckStatementNames = map[duckdb.StmtType]string{
	duckdb.STATEMENT_TYPE_INSERT: "INSERT", duckdb.STATEMENT_TYPE_UPDATE: "UPDATE", duckdb.STATEMENT_TYPE_DELETE: "DELETE",
	duckdb.STATEMENT_TYPE_CREATE: "CREATE", duckdb.STATEMENT_TYPE_ALTER: "ALTER", duckdb.STATEMENT_TYPE_DROP: "DROP",
	duckdb.STATEMENT_TYPE_COPY: "COPY", duckdb.STATEMENT_TYPE_ATTACH: "ATTACH", duckdb.STATEMENT_TYPE_DETACH: "DETACH",
	duckdb.STATEMENT_TYPE_LOAD: "LOAD/INSTALL", duckdb.STATEMENT_TYPE_EXTENSION: "extension", duckdb.STATEMENT_TYPE_SET: "SET",
	duckdb.STATEMENT_TYPE_VARIABLE_SET: "SET VARIABLE", duckdb.STATEMENT_TYPE_PRAGMA: "PRAGMA", duckdb.STATEMENT_TYPE_CALL: "CALL",
	duckdb.STATEMENT_TYPE_EXPORT: "EXPORT", duckdb.STATEMENT_TYPE_VACUUM: "VACUUM", duckdb.STATEMENT_TYPE_TRANSACTION: "transaction",
	duckdb.STATEMENT_TYPE_PREPARE: "PREPARE", duckdb.STATEMENT_TYPE_EXECUTE: "EXECUTE", duckdb.STATEMENT_TYPE_ANALYZE: "ANALYZE",
	duckdb.STATEMENT_TYPE_CREATE_FUNC: "CREATE FUNCTION",
}

// QueryReadOnly runs query when it is exactly one SELECT (or EXPLAIN)
// statement and returns its result. The statement is classified by
// DuckDB's own parser (a prepared statement's type), not by matching
// text, so comments, case or quoting cannot disguise a write; what a
// SELECT can still reach (table functions over files) is stopped by the
// read-only open's external access switch.
func (d *DuckDB) QueryReadOnly(ctx context.Context, query string) ([]arrow.RecordBatch, error) {
	c, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		// Prepare (not PrepareContext) refuses several statements instead
		// of running all but the last.
		st, err := dc.(driver.Conn).Prepare(query)
		if err != nil {
			// The driver's error for several statements is unexported;
			// its text is all there is to tell it from a syntax error.
			if strings.Contains(err.Error(), "multi-statement") {
				return fmt.Errorf("several statements refused: %w", ErrNotAQuery)
			}
			return err
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("prepared statement is a %T", st)
		}
		typ, err := ds.StatementType()
		if err != nil {
			return err
		}
		if !readOnlyStatements[typ] {
			name := duckStatementNames[typ]
			if name == "" {
				name = fmt.Sprintf("type %d", typ)
			}
			return fmt.Errorf("%s statement refused: %w", name, ErrNotAQuery)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return arrowQuery(ctx, c, query, nil)
}
