package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ColumnValues fills a column of a table with constants in LoadReaderConst
// instead of a column of the batches: Values[0] on every row when it has
// one value, else Values[k] on the rows whose choice column holds k.
type ColumnValues struct {
	Column string
	Values []string
}

// LoadReaderConst is LoadReader for a table some of whose columns hold
// constants (a file name, a load id): cols are filled in the INSERT from
// SQL literals instead of being sent in every batch, which saves building
// and converting them row by row. The table's other columns come from rdr
// by name. A column of cols with several values takes, on each row, the
// one at the row's value (0-based) of the integer column choice of rdr,
// which is read only for that and not inserted; choice may be "" when
// every column of cols has one value (a choice column of rdr is then still
// left out). Values are quoted as SQL string literals, so any text is
// safe.
func (t *duckTx) LoadReaderConst(ctx context.Context, table string, rdr array.RecordReader, choice string, cols ...ColumnValues) (int64, error) {
	return arrowLoadReaderConst(ctx, t.c, table, rdr, choice, cols)
}

// constLoadSQL is the INSERT of LoadReaderConst, reading the batches from
// view.
func constLoadSQL(table, view string, schema *arrow.Schema, choice string, cols []ColumnValues) (string, error) {
	var names, sel []string
	hasChoice := false
	for _, f := range schema.Fields() {
		if choice != "" && f.Name == choice {
			if !arrow.IsInteger(f.Type.ID()) {
				return "", fmt.Errorf("choice column %q is %s, not an integer", choice, f.Type)
			}
			hasChoice = true
			continue
		}
		names = append(names, QuoteIdent(f.Name))
		sel = append(sel, QuoteIdent(f.Name))
	}
	for _, c := range cols {
		if schema.HasField(c.Column) {
			return "", fmt.Errorf("column %q is both in the batches and a constant", c.Column)
		}
		names = append(names, QuoteIdent(c.Column))
		switch len(c.Values) {
		case 0:
			return "", fmt.Errorf("constant column %q has no value", c.Column)
		case 1:
			sel = append(sel, duckDialect{}.String(c.Values[0]))
		default:
			if !hasChoice {
				return "", fmt.Errorf("constant column %q has %d values but the batches have no choice column %q", c.Column, len(c.Values), choice)
			}
			lit := make([]string, len(c.Values))
			for i, v := range c.Values {
				lit[i] = duckDialect{}.String(v)
			}
			// A list literal indexed per row (1-based); an index out of
			// range would give NULL, which the NOT NULL columns refuse.
			sel = append(sel, fmt.Sprintf("[%s][%s + 1]", strings.Join(lit, ", "), QuoteIdent(choice)))
		}
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", table, strings.Join(names, ", "), strings.Join(sel, ", "), view), nil
}

// arrowLoadReaderConst is arrowLoadReader with the constant columns cols.
func arrowLoadReaderConst(ctx context.Context, c *sql.Conn, table string, rdr array.RecordReader, choice string, cols []ColumnValues) (int64, error) {
	view := fmt.Sprintf("__arrow_load_%d", viewSeq.Add(1))
	query, err := constLoadSQL(table, view, rdr.Schema(), choice, cols)
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", table, err)
	}
	var release func()
	err = c.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = ar.RegisterView(rdr, view)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("load %s: register arrow view: %w", table, err)
	}
	defer release()
	res, err := c.ExecContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", table, err)
	}
	if _, err := c.ExecContext(ctx, "DROP VIEW IF EXISTS "+view); err != nil {
		return 0, err
	}
	return n, nil
}
