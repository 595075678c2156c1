package jobs

import (
	"context"
	"embed"
	"fmt"
	"slices"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// Returns tied to their original order. Ingest stores, on a return line
// whose export says which order it returns goods of, that order's id in
// original_order_id (config.Returns). Core then counts the return as a
// line of that order when the order is loaded in the same channel with a
// bought line (return_ties):
//   - kept_order_lines shows a tied line under the original's order id,
//     time, status, store and associate, so the order_lines view gives it
//     the original's customer, and every figure over lines or orders puts
//     the refund on the original's month, customer and channel;
//   - orders holds the original with the return's units, refund and net
//     (net revenue and the refund rate move to that order), and no row for
//     a return whose every line is tied;
//   - a return whose original is not loaded (yet), or that names none,
//     stays an order of its own on its own date and customer, as before;
//     when the original arrives in a later load, the next core build ties
//     it (both builds compute the ties from every kept line). Data health
//     counts tied and untied returns per source.
//
// The orders are first aggregated by their own order id (as always, with
// the latest-export rule per own id, so a re-exported return replaces
// itself); then the orders a tie touches (return_scope: those of the ties
// before and after this build) are aggregated again from kept_order_lines.
// The same steps run in BuildCore and UpdateCore, so both give the same
// tables. With no return naming an original, which is the usual case, no
// line is read twice and the views have no join to return_ties.

//go:embed sql/returns/*.sql
var returnsFS embed.FS

var returnsSQL = sqlfile.MustParse(returnsFS, "sql/returns")

// tieReturns makes return_ties again and return_scope (the orders whose
// aggregate a tie changes, before or after), and returns the statement
// that creates kept_order_lines: KeptLinesViewSQL(versions) when nothing
// is tied. foldReturns must run after that view is made.
func tieReturns(ctx context.Context, tx warehouse.Tx, d warehouse.SQL, versions bool) (string, error) {
	render := func(name string, data any) (string, error) { return returnsSQL.Render(name, d, data) }
	had, err := warehouse.TableExists(ctx, tx, "return_ties")
	if err != nil {
		return "", err
	}
	scope, err := render("empty_scope", nil)
	if err != nil {
		return "", err
	}
	if had {
		if scope, err = render("scope", nil); err != nil {
			return "", err
		}
	}
	if err := warehouse.CreateTableAs(ctx, tx, "return_scope", scope); err != nil {
		return "", fmt.Errorf("build core table return_scope: %w", err)
	}
	cols, err := warehouse.TableColumns(ctx, tx, "raw_order_lines")
	if err != nil {
		return "", err
	}
	var named int64
	if slices.Contains(cols, "original_order_id") {
		q, err := render("any_original", nil)
		if err != nil {
			return "", err
		}
		if named, err = warehouse.Int64(ctx, tx, q); err != nil {
			return "", fmt.Errorf("count returns naming an original order: %w", err)
		}
	}
	ties, err := render("ties", struct{ None bool }{named == 0})
	if err != nil {
		return "", err
	}
	if err := warehouse.CreateTableAs(ctx, tx, "return_ties", ties); err != nil {
		return "", fmt.Errorf("build core table return_ties: %w", err)
	}
	if named > 0 {
		q, err := render("scope_add", nil)
		if err != nil {
			return "", err
		}
		if err := tx.Exec(ctx, q); err != nil {
			return "", fmt.Errorf("build core table return_scope: %w", err)
		}
	}
	q, err := render("count_ties", nil)
	if err != nil {
		return "", err
	}
	n, err := warehouse.Int64(ctx, tx, q)
	if err != nil {
		return "", fmt.Errorf("count return ties: %w", err)
	}
	if n == 0 {
		return KeptLinesViewSQL(versions), nil
	}
	return render("kept_lines_view", struct{ Versions bool }{versions})
}

// foldReturns aggregates the orders of return_scope again from
// kept_order_lines and drops return_scope.
func foldReturns(ctx context.Context, tx warehouse.Tx, d warehouse.SQL) error {
	ok, err := warehouse.TableExists(ctx, tx, "return_scope")
	if err != nil || !ok {
		return err
	}
	render := func(name string) (string, error) { return returnsSQL.Render(name, d, nil) }
	q, err := render("count_scope")
	if err != nil {
		return err
	}
	n, err := warehouse.Int64(ctx, tx, q)
	if err != nil {
		return fmt.Errorf("count orders tied by returns: %w", err)
	}
	if n > 0 {
		q, err := render("drop_scoped")
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("tie returns: drop the orders to aggregate again: %w", err)
		}
		q, err = returnsSQL.Render("fold", d, struct{ ColumnList, Columns, Aggregates, CustomerJoin string }{
			orderColumnList, orderColumns, orderAggregates, orderCustomerJoin})
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("tie returns: aggregate the orders again: %w", err)
		}
	}
	if q, err = render("drop_scope"); err != nil {
		return err
	}
	if err := tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("drop return_scope: %w", err)
	}
	return nil
}
