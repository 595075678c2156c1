package jobs

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// Incremental core. core_loads lists the loads the core tables were last
// built from. When every one of them is still loaded, UpdateCore brings
// orders up to date from the loads since (the delta) instead of
// aggregating every raw line again:
//   - the orders with a line in the delta (new orders, and orders exported
//     again) are deleted and aggregated again (in core_agg, then inserted)
//     from all their raw lines, read from the loads that hold them, with
//     the same rules as BuildCore: lines from several loads keep the latest
//     load's (order_versions), so a re-exported order replaces only itself;
//   - every order takes its customer from identity_assignments as stitch
//     left it (a merge moves orders that no new line touched);
//   - the views are made again (kept_order_lines joins order_versions
//     only when it has rows); the masters make again only the keys the
//     delta or a merge touched (coreinc_masters.go).
//
// A load that was unloaded (or a warehouse without core_loads) falls back
// to BuildCore, and so does BigQuery, where the statements are not
// written: the result must equal BuildCore on the same raw tables, which
// the property test checks.

// The incremental core's statements (sql/coreinc/*.sql).
//
//go:embed sql/coreinc/*.sql
var coreIncFS embed.FS

var coreIncSQL = sqlfile.MustParse(coreIncFS, "sql/coreinc")

// coreIncData is what the files take: the order aggregation pieces of
// core.go, the dialect's choice of the kept export, this core run's
// sequence number in the change log, and a temporary table's name.
type coreIncData struct {
	ColumnList, Columns, Aggregates, CustomerJoin string
	KeepLoad                                      string
	Seq                                           int64
	Table                                         string
	// Buckets is masterBuckets; Raw, KeyCols, RecTable, KeyMatch and
	// Query describe a master (coreinc_masters.go).
	Buckets                                 int
	Raw, KeyCols, RecTable, KeyMatch, Query string
	// Loads lists load ids as literals (literalLoads) for a scan that
	// skips the row groups of other loads; Scan: touched_loads.sql reads
	// the loads from the lines.
	Loads string
	Scan  bool
}

// listLoads returns the load ids of temporary table t as a list of
// literals of d ("NULL" when there are none, which matches no row).
func listLoads(ctx context.Context, tx warehouse.Tx, d warehouse.SQL, t string) (string, int, error) {
	recs, err := tx.Query(ctx, coreIncStatement(d, "list_loads", coreIncData{Table: t}))
	if err != nil {
		return "", 0, fmt.Errorf("incremental core: list the loads of %s: %w", t, err)
	}
	defer warehouse.Release(recs)
	var ids []string
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			ids = append(ids, d.String(warehouse.StringAt(rec, 0, i)))
		}
	}
	if len(ids) == 0 {
		return "NULL", 0, nil
	}
	return strings.Join(ids, ", "), len(ids), nil
}

// coreIncStatement renders a file of sql/coreinc; only a defect in the
// files can fail it (TestCoreIncSQL renders every one), so it panics then.
func coreIncStatement(d warehouse.SQL, name string, data coreIncData) string {
	return mustRender(coreIncSQL, name, d, data)
}

// markAllCustomersChanged records in customer_changes that every customer
// may have changed (a rebuild of core).
func markAllCustomersChanged(ctx context.Context, tx warehouse.Tx) error {
	if err := EnsureCustomerChanges(ctx, tx); err != nil {
		return fmt.Errorf("mark every customer changed: %w", err)
	}
	for _, name := range []string{"clear_customer_changes", "every_customer_changed"} {
		if err := tx.Exec(ctx, coreIncStatement(warehouse.SQLOfQuerier(tx), name, coreIncData{})); err != nil {
			return fmt.Errorf("mark every customer changed: %w", err)
		}
	}
	return nil
}

// recordCoreLoads replaces core_loads with the loads now loaded.
func recordCoreLoads(ctx context.Context, tx warehouse.Tx) error {
	if err := warehouse.RecreateTable(ctx, tx, "core_loads", CoreLoadsSchema); err != nil {
		return fmt.Errorf("create core_loads: %w", err)
	}
	d := warehouse.SQLOfQuerier(tx)
	if err := tx.Exec(ctx, coreIncStatement(d, "record_core_loads", coreIncData{})); err != nil {
		return fmt.Errorf("record core_loads: %w", err)
	}
	return nil
}

// CoreUpdate says how UpdateCore brought the core tables up to date.
type CoreUpdate struct {
	// Full is set when the tables were rebuilt (BuildCore), with the reason.
	Full   bool
	Reason string
	// NewLoads and Orders are the delta's loads and the orders it touched
	// (incremental only).
	NewLoads, Orders int64
	// Lines is the number of order lines after the update.
	Lines int64
	// Steps are the seconds of each statement (incremental only).
	Steps []CoreStep
}

// CoreStep is one statement of UpdateCore and its seconds.
type CoreStep struct {
	What    string
	Seconds float64
}

// UpdateCore updates the core tables from the loads not yet in them, or
// rebuilds them when it cannot (see above).
func UpdateCore(ctx context.Context, wh warehouse.Warehouse) (CoreUpdate, error) {
	full := func(reason string) (CoreUpdate, error) {
		n, err := BuildCore(ctx, wh)
		return CoreUpdate{Full: true, Reason: reason, Lines: n}, err
	}
	if !warehouse.CapabilitiesOf(wh.Dialect()).IncrementalUpdates {
		return full("this warehouse rebuilds whole tables (no cheap keyed updates)")
	}
	for _, t := range []string{"core_loads", "orders", "order_versions"} {
		ok, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return CoreUpdate{}, err
		}
		if !ok {
			return full("no " + t + " yet")
		}
	}
	d := warehouse.SQLOf(wh.Dialect())
	gone, err := warehouse.Int64(ctx, wh, coreIncStatement(d, "gone_loads", coreIncData{}))
	if err != nil {
		return CoreUpdate{}, fmt.Errorf("compare core_loads with load_files: %w", err)
	}
	if gone > 0 {
		return full(fmt.Sprintf("%d loads in core are no longer loaded as core saw them (unloaded, replaced or loaded again)", gone))
	}
	if err := ensureIdentityAssignments(ctx, wh); err != nil {
		return CoreUpdate{}, err
	}
	data := coreIncData{ColumnList: orderColumnList, Columns: orderColumns, Aggregates: orderAggregates, CustomerJoin: orderCustomerJoin,
		KeepLoad: d.ArgMax("r._load_id", "lf.loaded_at"), Buckets: masterBuckets}
	q := func(name string) string { return coreIncStatement(d, name, data) }
	var up CoreUpdate
	err = wh.InTx(ctx, func(tx warehouse.Tx) error {
		exec := func(what, q string) error {
			t := time.Now()
			if err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("incremental core: %s: %w", what, err)
			}
			up.Steps = append(up.Steps, CoreStep{what, time.Since(t).Seconds()})
			return nil
		}
		if err := exec("delta loads", q("delta_loads")); err != nil {
			return err
		}
		if data.Loads, _, err = listLoads(ctx, tx, d, "core_delta"); err != nil {
			return err
		}
		deltaLoads := data.Loads
		if err := exec("touched orders", q("touched_orders")); err != nil {
			return err
		}
		var loads, touched *int64
		if err := tx.QueryRow(ctx, q("count_delta"), nil, &loads, &touched); err != nil {
			return fmt.Errorf("incremental core: count the delta: %w", err)
		}
		up.NewLoads, up.Orders = deref64(loads), deref64(touched)
		if err := EnsureCustomerChanges(ctx, tx); err != nil {
			return fmt.Errorf("incremental core: customer_changes: %w", err)
		}
		seq, err := beginChanges(ctx, tx, false)
		if err != nil {
			return fmt.Errorf("incremental core: %w", err)
		}
		data.Seq = seq
		// logRows appends the customers and order times of the orders of
		// temporary table t to the change log (and, with customers, to
		// customer_changes), reading orders once.
		logRows := func(what, t string, customers bool) error {
			rows := data
			rows.Table = t
			if err := exec(what, coreIncStatement(d, "order_rows", rows)); err != nil {
				return err
			}
			if customers {
				if err := exec("customers of "+what, q("rows_customers")); err != nil {
					return err
				}
			}
			return exec("change log of "+what, q("rows_changes"))
		}
		if up.Orders > 0 {
			if err := logRows("touched orders before", "core_touched", true); err != nil {
				return err
			}
			// The touched orders' lines are read from their loads only: the
			// delta's and the one orders names for each, unless an order of
			// several exports or in a return tie may have lines elsewhere.
			spread, err := warehouse.Int64(ctx, tx, q("touched_spread"))
			if err != nil {
				return fmt.Errorf("incremental core: count touched orders of several exports or tied: %w", err)
			}
			data.Scan = spread > 0
			what := "loads of touched orders"
			if data.Scan {
				what = fmt.Sprintf("loads of touched orders (read from the lines: %d of several exports or tied)", spread)
			}
			if err := exec(what, q("touched_loads")); err != nil {
				return err
			}
			if data.Loads, _, err = listLoads(ctx, tx, d, "core_touched_loads"); err != nil {
				return err
			}
			if err := exec("drop touched orders", q("drop_touched_orders")); err != nil {
				return err
			}
			if err := exec("drop touched versions", q("drop_touched_versions")); err != nil {
				return err
			}
			if err := exec("aggregate touched orders", q("aggregate_touched")); err != nil {
				return err
			}
			multi, err := warehouse.Int64(ctx, tx, q("count_agg_multi"))
			if err != nil {
				return fmt.Errorf("incremental core: count touched orders of several exports: %w", err)
			}
			if multi > 0 {
				if err := exec("versions of touched orders", q("versions_touched")); err != nil {
					return err
				}
				if err := exec("drop orders of several exports", q("drop_multi")); err != nil {
					return err
				}
				if err := exec("aggregate kept exports", q("aggregate_kept")); err != nil {
					return err
				}
			}
			if err := exec("insert touched orders", q("insert_agg")); err != nil {
				return err
			}
			// The touched orders after: core_agg holds them.
			if err := exec("touched orders after", q("agg_rows")); err != nil {
				return err
			}
			if err := exec("customers of touched orders after", q("rows_customers")); err != nil {
				return err
			}
			if err := exec("change log of touched orders after", q("rows_changes")); err != nil {
				return err
			}
		}
		// Customers of the orders no new line touched: a merge or split in
		// stitch moves them. One join of the orders with their assignments
		// finds the few that changed (or lost their assignment); both the
		// customer an order leaves and the one it joins have changed.
		if err := exec("buckets of moved orders", q("moved_buckets")); err != nil {
			return err
		}
		if err := exec("moved orders", q("moved_orders")); err != nil {
			return err
		}
		if err := exec("customers of moved orders", q("moved_customers")); err != nil {
			return err
		}
		if err := exec("change log of moved orders", q("moved_changes")); err != nil {
			return err
		}
		if err := exec("reassign customers", q("reassign")); err != nil {
			return err
		}
		var versions *int64
		if err := tx.QueryRow(ctx, q("count_versions"), nil, &versions); err != nil {
			return fmt.Errorf("incremental core: count order_versions: %w", err)
		}
		// Returns tied to their original order, as in BuildCore (returns.go).
		kept, err := tieReturns(ctx, tx, d, deref64(versions) > 0)
		if err != nil {
			return fmt.Errorf("incremental core: %w", err)
		}
		if err := exec("kept_order_lines", kept); err != nil {
			return err
		}
		// The orders a tie touches are aggregated again (foldReturns,
		// which drops return_scope): the change log takes them before and
		// after.
		scoped, err := warehouse.Int64(ctx, tx, q("count_scope"))
		if err != nil {
			return fmt.Errorf("incremental core: count orders tied by returns: %w", err)
		}
		if scoped > 0 {
			if err := exec("orders tied by returns", q("core_scope")); err != nil {
				return err
			}
			if err := logRows("orders tied by returns before", "core_scope", false); err != nil {
				return err
			}
		}
		if err := foldReturns(ctx, tx, d); err != nil {
			return fmt.Errorf("incremental core: %w", err)
		}
		if scoped > 0 {
			if err := logRows("orders tied by returns after", "core_scope", false); err != nil {
				return err
			}
		}
		if err := exec("order_lines", orderLinesSQL); err != nil {
			return err
		}
		if err := updateMasters(ctx, tx, d, deltaLoads, exec); err != nil { // coreinc_masters.go
			return err
		}
		if err := recordCoreLoads(ctx, tx); err != nil {
			return err
		}
		for _, t := range []string{"core_delta", "core_touched", "core_moved", "core_scope", "core_rows", "core_moved_buckets", "core_dirty", "core_mkeys", "core_touched_loads", "core_agg", "core_assign_now"} {
			if err := exec("drop "+t, coreIncStatement(d, "drop_temp", coreIncData{Table: t})); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return CoreUpdate{}, err
	}
	up.Lines, err = warehouse.Int64(ctx, wh, coreIncStatement(d, "count_lines", coreIncData{}))
	if err != nil {
		return up, fmt.Errorf("count order lines: %w", err)
	}
	return up, nil
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
