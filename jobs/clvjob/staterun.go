package clvjob

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// stateUpdate is how the customer_state job writes a table it keeps beside
// customer_state from the same change log (customer_changes), in the same
// transaction: its tables are created when missing, then its steps run in
// order. customer_order_state (orderstate.go) and customer_cut_state
// (cutstate.go) are both written this way and differ only in their steps:
// the SQL files they run (clear the changed customers' rows or every row,
// make them again, advance) and the rows they load.
type stateUpdate struct {
	what   string // the table named in errors
	tables []stateTable
	data   any // the template data of every step's SQL file
	steps  []stateStep
}

// stateTable is a table a stateUpdate creates when it is missing.
type stateTable struct {
	name   string
	schema *arrow.Schema
}

// stateStep is one step of a stateUpdate: the SQL file sql/<file>.sql run
// with args, or, when rows is not nil, rows loaded into table load.
type stateStep struct {
	file string
	args []any
	load string
	rows arrow.RecordBatch
}

// sqlStep is the step running sql/<file>.sql with args.
func sqlStep(file string, args ...any) stateStep { return stateStep{file: file, args: args} }

// loadStep is the step loading rows into table.
func loadStep(table string, rows arrow.RecordBatch) stateStep {
	return stateStep{load: table, rows: rows}
}

// run runs u in tx. Its SQL files are rendered for wh and must name only
// tables the customer_state job declares.
func (u stateUpdate) run(ctx context.Context, wh warehouse.Warehouse, tx warehouse.Tx) error {
	for _, t := range u.tables {
		if err := warehouse.CreateTable(ctx, tx, t.name, t.schema); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	for _, s := range u.steps {
		if s.rows != nil {
			if _, err := tx.Load(ctx, s.load, s.rows); err != nil {
				return fmt.Errorf("%s: write %s: %w", u.what, s.load, err)
			}
			continue
		}
		q, err := render(wh, s.file, stateReads, u.data)
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, q, s.args...); err != nil {
			return fmt.Errorf("%s (%s): %w", u.what, s.file, err)
		}
	}
	return nil
}
