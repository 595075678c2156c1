package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Incremental core. core_loads lists the loads the core tables were last
// built from. When every one of them is still loaded, UpdateCore brings
// orders up to date from the loads since (the delta) instead of
// aggregating every raw line again:
//   - the orders with a line in the delta (new orders, and orders exported
//     again) are deleted and aggregated again from all their raw lines, with
//     the same rules as BuildCore: lines from several loads keep the latest
//     load's (order_versions), so a re-exported order replaces only itself;
//   - every order takes its customer from identity_assignments as stitch
//     left it (a merge moves orders that no new line touched);
//   - the views are made again (kept_order_lines joins order_versions
//     only when it has rows) and the masters rebuilt as in BuildCore (they
//     are small, or one row per key of a raw table).
//
// A load that was unloaded (or a warehouse without core_loads) falls back
// to BuildCore, and so does BigQuery, where the statements are not
// written: the result must equal BuildCore on the same raw tables, which
// the property test checks.

// markAllCustomersChanged records in customer_changes that every customer
// may have changed (a rebuild of core).
func markAllCustomersChanged(ctx context.Context, tx warehouse.Tx) error {
	if err := EnsureCustomerChanges(ctx, tx); err != nil {
		return fmt.Errorf("mark every customer changed: %w", err)
	}
	for _, q := range []string{`DELETE FROM customer_changes WHERE true`, `INSERT INTO customer_changes VALUES (NULL)`} {
		if err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("mark every customer changed: %w", err)
		}
	}
	return nil
}

// recordCoreLoads replaces core_loads with the loads now loaded.
func recordCoreLoads(ctx context.Context, tx warehouse.Tx) error {
	if err := warehouse.CreateTable(ctx, tx, "core_loads", CoreLoadsSchema); err != nil {
		return fmt.Errorf("create core_loads: %w", err)
	}
	if err := tx.Exec(ctx, `DELETE FROM core_loads WHERE true`); err != nil {
		return fmt.Errorf("clear core_loads: %w", err)
	}
	if err := tx.Exec(ctx, `INSERT INTO core_loads SELECT DISTINCT load_id FROM load_files WHERE status = 'loaded'`); err != nil {
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
	gone, err := warehouse.Int64(ctx, wh, `SELECT count(*) FROM core_loads c
		WHERE NOT EXISTS (SELECT 1 FROM load_files f WHERE f.load_id = c.load_id AND f.status = 'loaded')`)
	if err != nil {
		return CoreUpdate{}, fmt.Errorf("compare core_loads with load_files: %w", err)
	}
	if gone > 0 {
		return full(fmt.Sprintf("%d loads in core are no longer loaded", gone))
	}
	if err := ensureIdentityAssignments(ctx, wh); err != nil {
		return CoreUpdate{}, err
	}
	d := warehouse.SQLOf(wh.Dialect())
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
		if err := exec("delta loads", `CREATE OR REPLACE TEMP TABLE core_delta AS SELECT DISTINCT load_id FROM load_files
			WHERE status = 'loaded' AND load_id NOT IN (SELECT load_id FROM core_loads)`); err != nil {
			return err
		}
		if err := exec("touched orders", `CREATE OR REPLACE TEMP TABLE core_touched AS SELECT DISTINCT channel, order_id FROM raw_order_lines
			WHERE _load_id IN (SELECT load_id FROM core_delta)`); err != nil {
			return err
		}
		var loads, touched *int64
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM core_delta), (SELECT count(*) FROM core_touched)`, nil, &loads, &touched); err != nil {
			return fmt.Errorf("incremental core: count the delta: %w", err)
		}
		up.NewLoads, up.Orders = deref64(loads), deref64(touched)
		const isTouched = `SEMI JOIN core_touched t ON t.channel IS NOT DISTINCT FROM r.channel AND t.order_id IS NOT DISTINCT FROM r.order_id`
		if err := EnsureCustomerChanges(ctx, tx); err != nil {
			return fmt.Errorf("incremental core: customer_changes: %w", err)
		}
		touchedCustomers := `INSERT INTO customer_changes SELECT DISTINCT r.customer_id FROM orders r ` + isTouched + ` WHERE r.customer_id IS NOT NULL`
		seq, err := beginChanges(ctx, tx, false)
		if err != nil {
			return fmt.Errorf("incremental core: %w", err)
		}
		touchedChanges := changedOrdersSQL(seq, `EXISTS (SELECT 1 FROM core_touched t
			WHERE t.channel IS NOT DISTINCT FROM o.channel AND t.order_id IS NOT DISTINCT FROM o.order_id)`)
		if up.Orders > 0 {
			if err := exec("customers of touched orders before", touchedCustomers); err != nil {
				return err
			}
			if err := exec("change log of touched orders before", touchedChanges); err != nil {
				return err
			}
			if err := exec("drop touched orders", `DELETE FROM orders WHERE EXISTS (SELECT 1 FROM core_touched t
				WHERE t.channel IS NOT DISTINCT FROM orders.channel AND t.order_id IS NOT DISTINCT FROM orders.order_id)`); err != nil {
				return err
			}
			if err := exec("drop touched versions", `DELETE FROM order_versions WHERE EXISTS (SELECT 1 FROM core_touched t
				WHERE t.channel IS NOT DISTINCT FROM order_versions.channel AND t.order_id IS NOT DISTINCT FROM order_versions.order_id)`); err != nil {
				return err
			}
			// As ordersSQL, over the lines of the touched orders.
			if err := exec("aggregate touched orders", `INSERT INTO orders `+orderColumnList+`
				SELECT `+orderColumns+`
				FROM (SELECT r.channel, r.order_id, `+orderAggregates+`, CASE WHEN min(r._load_id) = max(r._load_id) THEN min(r._load_id) END AS _load_id
					FROM raw_order_lines r `+isTouched+` GROUP BY r.channel, r.order_id) o
				`+orderCustomerJoin); err != nil {
				return err
			}
			// As orderVersionsSQL and multiOrdersSQL, for the touched
			// orders exported in several loads.
			if err := exec("versions of touched orders", `INSERT INTO order_versions
				WITH lf AS (SELECT load_id, max(loaded_at) AS loaded_at FROM load_files WHERE status = 'loaded' GROUP BY 1),
				multi AS (SELECT channel, order_id FROM orders WHERE _load_id IS NULL)
				SELECT r.channel, r.order_id, `+d.ArgMax("r._load_id", "lf.loaded_at")+` AS keep_load_id
				FROM raw_order_lines r JOIN multi m ON m.channel = r.channel AND m.order_id = r.order_id
				LEFT JOIN lf ON lf.load_id = r._load_id GROUP BY 1, 2`); err != nil {
				return err
			}
			if err := exec("drop orders of several exports", `DELETE FROM orders WHERE _load_id IS NULL`); err != nil {
				return err
			}
			if err := exec("aggregate kept exports", `INSERT INTO orders `+orderColumnList+`
				SELECT `+orderColumns+`
				FROM (SELECT r.channel, r.order_id, `+orderAggregates+`, any_value(r._load_id) AS _load_id
					FROM raw_order_lines r JOIN order_versions v ON v.channel = r.channel AND v.order_id = r.order_id AND v.keep_load_id = r._load_id
					`+isTouched+`
					GROUP BY r.channel, r.order_id) o
				`+orderCustomerJoin); err != nil {
				return err
			}
			if err := exec("customers of touched orders after", touchedCustomers); err != nil {
				return err
			}
			if err := exec("change log of touched orders after", touchedChanges); err != nil {
				return err
			}
		}
		// Customers of the orders no new line touched: a merge or split in
		// stitch moves them. One join of the orders with their assignments
		// finds the few that changed (or lost their assignment); both the
		// customer an order leaves and the one it joins have changed.
		if err := exec("moved orders", `CREATE OR REPLACE TEMP TABLE core_moved AS
				SELECT o.channel, o.order_id, o.order_ts, o.customer_id AS old_customer_id, a.customer_id FROM orders o
				LEFT JOIN identity_assignments a ON a.rec_table = 'order_lines' AND a.rec_key = o.channel || ':' || o.order_id
				WHERE o.customer_id IS DISTINCT FROM a.customer_id`); err != nil {
			return err
		}
		if err := exec("customers of moved orders", `INSERT INTO customer_changes
				SELECT old_customer_id FROM core_moved WHERE old_customer_id IS NOT NULL
				UNION SELECT customer_id FROM core_moved WHERE customer_id IS NOT NULL`); err != nil {
			return err
		}
		if err := exec("change log of moved orders", fmt.Sprintf(`INSERT INTO core_changes
				SELECT %[1]d, false, old_customer_id, NULL FROM core_moved WHERE old_customer_id IS NOT NULL
				UNION SELECT %[1]d, false, customer_id, NULL FROM core_moved WHERE customer_id IS NOT NULL
				UNION SELECT %[1]d, false, NULL, order_ts FROM core_moved WHERE order_ts IS NOT NULL`, seq)); err != nil {
			return err
		}
		if err := exec("reassign customers", `UPDATE orders SET customer_id = n.customer_id FROM core_moved n
			WHERE orders.channel = n.channel AND orders.order_id = n.order_id`); err != nil {
			return err
		}
		var versions *int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM order_versions`, nil, &versions); err != nil {
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
		scoped, err := warehouse.Int64(ctx, tx, `SELECT count(*) FROM return_scope`)
		if err != nil {
			return fmt.Errorf("incremental core: count orders tied by returns: %w", err)
		}
		scopeChanges := changedOrdersSQL(seq, `EXISTS (SELECT 1 FROM core_scope s
			WHERE s.channel IS NOT DISTINCT FROM o.channel AND s.order_id = o.order_id)`)
		if scoped > 0 {
			if err := exec("orders tied by returns", `CREATE OR REPLACE TEMP TABLE core_scope AS SELECT * FROM return_scope`); err != nil {
				return err
			}
			if err := exec("change log of orders tied by returns before", scopeChanges); err != nil {
				return err
			}
		}
		if err := foldReturns(ctx, tx, d); err != nil {
			return fmt.Errorf("incremental core: %w", err)
		}
		if scoped > 0 {
			if err := exec("change log of orders tied by returns after", scopeChanges); err != nil {
				return err
			}
		}
		if err := exec("order_lines", orderLinesSQL); err != nil {
			return err
		}
		for _, c := range mastersSQL() {
			if err := exec(c.table, c.statement()); err != nil {
				return err
			}
		}
		if err := recordCoreLoads(ctx, tx); err != nil {
			return err
		}
		for _, t := range []string{"core_delta", "core_touched", "core_moved", "core_scope"} {
			if err := exec("drop "+t, "DROP TABLE IF EXISTS temp.main."+t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return CoreUpdate{}, err
	}
	up.Lines, err = warehouse.Int64(ctx, wh, "SELECT CAST(coalesce(sum(lines), 0) AS BIGINT) FROM orders")
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
