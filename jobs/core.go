package jobs

import (
	"context"
	"embed"
	"fmt"
	"strings"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// The core tables are built from the raw loaded rows. Big event tables
// (order lines, social interactions, campaign contacts) are views over the
// raw rows joined to the stitch assignments, so the nightly build does not
// rewrite millions of rows; orders and the masters are materialised.
//   - An order exported again in a later file (a status or refund update)
//     keeps only the latest file's lines: order_versions lists those orders
//     and the load kept for each. orders is aggregated from the raw lines in
//     one pass that also finds them (an order whose lines come from more
//     than one load gets a NULL _load_id); only when there are any are the
//     lines of those orders read again (orderVersionsSQL, multiOrdersSQL).
//   - kept_order_lines is the raw lines of the kept exports; order_lines
//     adds the customer_id of the order (rec_key = channel:order_id). When
//     no order has several exports, which is the usual case, the views have
//     no join to order_versions: that join costs a pass over every line
//     even when order_versions is empty.
//   - Masters keep the row of the newest export per key: the highest load
//     order (load_files.load_seq), then the last row of the file.
//   - Personal identifiers stay in the raw tables; core carries customer_id.
//
// The SQL is written once for both engines; d gives the spelling of the few
// constructs that differ (arg_max) for a dialect.

// core's SQL (sql/core/*.sql). The order pieces are rendered once into the
// names below, which the incremental core and the returns fold take too.
//
//go:embed sql/core/*.sql
var coreFS embed.FS

// core_mkeys is the incremental core's (sql/coreinc/master_keys.sql).
var coreSQL = sqlfile.MustParse(coreFS, "sql/core").Temp("core_mkeys")

// coreData is what the core files take.
type coreData struct {
	ColumnList, Columns, Aggregates, CustomerJoin string
	ByFingerprint                                 bool
	LoadIDHash, KeepLoad                          string
	Versions, View                                bool
	Table, Query, Raw, Key                        string
	Products, Stores, Campaigns                   string
	// KeyMatch restricts a master query to the raw rows (x) of the keys
	// of core_mkeys, before any join (the incremental core).
	KeyMatch string
}

// coreStatement renders a file of sql/core; only a defect in the files can
// fail it (TestCoreSQL renders every one), so it panics then.
func coreStatement(d warehouse.SQL, name string, data coreData) string {
	return mustRender(coreSQL, name, d, data)
}

// corePiece renders a file that takes no data and no dialect.
func corePiece(name string) string { return coreStatement(warehouse.SQLOf(nil), name, coreData{}) }

var (
	// orderAggregates are the order columns aggregated from its lines (r).
	orderAggregates = corePiece("order_aggregates")
	// orderColumns are the columns of orders, from the aggregate o and
	// the assignment a.
	orderColumns = corePiece("order_columns")
	// orderColumnList names the columns of orders for INSERT.
	orderColumnList = corePiece("order_column_list")
	// orderCustomerJoin joins the stitch assignment of order o.
	orderCustomerJoin = corePiece("order_customer_join")
	// orderLinesSQL makes the order_lines view over kept_order_lines.
	orderLinesSQL = corePiece("order_lines")
)

// orderData is coreData with the order pieces.
func orderData() coreData {
	return coreData{ColumnList: orderColumnList, Columns: orderColumns, Aggregates: orderAggregates, CustomerJoin: orderCustomerJoin}
}

// fingerprintLoads lets tests take the string comparison of ordersSQL.
var fingerprintLoads = true

// ordersSQL aggregates every order from all its raw lines; _load_id is
// NULL for an order whose lines come from several loads. Comparing the
// load ids' fingerprints instead of the strings saves a string min and max
// per line; byFingerprint is false when two loaded load ids share a
// fingerprint (then the strings are compared).
//
// It is the SELECT: on DuckDB orders is created first (OrdersSchema, with
// storage hints) and filled by INSERT; elsewhere it is created from the
// query (warehouse.CreateTableAs).
func ordersSQL(d warehouse.SQL, byFingerprint bool) string {
	data := orderData()
	data.ByFingerprint, data.LoadIDHash = byFingerprint, d.Fingerprint("r._load_id")
	return coreStatement(d, "orders", data)
}

// orderVersionsSQL lists the orders exported in several loads with the
// load kept (the latest loaded); sql/core/empty_versions.sql is the table
// when there are none.
func orderVersionsSQL(d warehouse.SQL) string {
	return coreStatement(d, "order_versions", coreData{KeepLoad: d.ArgMax("r._load_id", "lf.loaded_at")})
}

// KeptLinesViewSQL creates the kept_order_lines view: the raw order lines
// of the kept export of every order. With versions (order_versions has
// rows) it joins order_versions to drop the lines of superseded exports;
// without, it is the raw lines as they are.
func KeptLinesViewSQL(versions bool) string {
	return coreStatement(warehouse.SQLOf(nil), "kept_lines", coreData{Versions: versions})
}

// newestRows is the load id of each row of raw table r that core keeps
// (the newest export of each key).
func newestRows(raw, key string) string {
	return coreStatement(warehouse.SQLOf(nil), "newest_rows", coreData{Raw: raw, Key: key})
}

// CurrentRowsSQL counts, per load (load_id, current_rows), the raw rows
// that core holds as the current version: order lines of the kept export
// of their order, master rows of the newest export of their key, every
// event row. Data health shows the rows loaded apart from the current ones
// (a re-export supersedes the rows of the one before). It reads the core
// views, so it is run after core, by the one report that needs it.
var CurrentRowsSQL = coreStatement(warehouse.SQLOf(nil), "current_rows", coreData{
	Products: newestRows("raw_products", "r.sku"), Stores: newestRows("raw_stores", "r.store_id"),
	Campaigns: newestRows("raw_campaigns", "r.campaign_id")})

// coreTable is a core table (or view) made from a query.
type coreTable struct {
	table, query string
	view         bool
}

// statement is the CREATE OR REPLACE statement of c (on BigQuery a table
// goes through warehouse.CreateTableAs instead, for its layout).
func (c coreTable) statement() string {
	return coreStatement(warehouse.SQLOf(nil), "create_or_replace", coreData{Table: c.table, Query: c.query, View: c.view})
}

// mastersSQL builds the tables other than orders and its views
// (sql/core/master_<table>.sql).
func mastersSQL() []coreTable {
	var out []coreTable
	for _, m := range []struct {
		table string
		view  bool
	}{{"products", false}, {"stores", false}, {"campaigns", false}, {"social_accounts", false},
		{"social_interactions", true}, {"campaign_contacts", true}, {"service_tickets", false}} {
		out = append(out, coreTable{m.table, corePiece("master_" + m.table), m.view})
	}
	return out
}

// isView reports a statement that makes a view.
func isView(q string) bool { return strings.Contains(q, "CREATE OR REPLACE VIEW") }

// BuildCore rebuilds every core table in one transaction and returns the
// number of order lines.
func BuildCore(ctx context.Context, wh warehouse.Warehouse) (int64, error) {
	if err := ensureIdentityAssignments(ctx, wh); err != nil {
		return 0, err
	}
	d := warehouse.SQLOf(wh.Dialect())
	err := wh.InTx(ctx, func(tx warehouse.Tx) error {
		exec := func(table, q string) error {
			// A DuckDB warehouse made by an older version may hold a table
			// where a view now goes (BigQuery warehouses are newer than
			// the views; CREATE OR REPLACE VIEW fails there on a table and
			// says so).
			if isView(q) && warehouse.CapabilitiesOf(wh.Dialect()).TxDropTable {
				var n *int64
				if err := tx.QueryRow(ctx, coreStatement(d, "base_tables", coreData{}), []any{table}, &n); err != nil {
					return err
				}
				if n != nil && *n > 0 {
					if err := tx.Exec(ctx, coreStatement(d, "drop_table", coreData{Table: table})); err != nil {
						return err
					}
				}
			}
			if err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("build core table %s: %w", table, err)
			}
			return nil
		}
		var distinctFP *bool
		if err := tx.QueryRow(ctx, coreStatement(d, "distinct_fingerprints", coreData{LoadIDHash: d.Fingerprint("load_id")}), nil, &distinctFP); err != nil {
			return fmt.Errorf("check load id fingerprints: %w", err)
		}
		orders := ordersSQL(d, fingerprintLoads && (distinctFP == nil || *distinctFP))
		if warehouse.CapabilitiesOf(wh.Dialect()).InsertIntoDeclared {
			if err := warehouse.RecreateTable(ctx, tx, "orders", OrdersSchema); err != nil {
				return fmt.Errorf("build core table orders: %w", err)
			}
			if err := exec("orders", coreStatement(d, "insert_orders", coreData{ColumnList: orderColumnList, Query: orders})); err != nil {
				return err
			}
		} else if err := warehouse.CreateTableAs(ctx, tx, "orders", orders); err != nil {
			return fmt.Errorf("build core table orders: %w", err)
		}
		var multi *int64
		if err := tx.QueryRow(ctx, coreStatement(d, "count_multi", coreData{}), nil, &multi); err != nil {
			return fmt.Errorf("count orders exported more than once: %w", err)
		}
		versions := multi != nil && *multi > 0
		if versions {
			if err := exec("order_versions", orderVersionsSQL(d)); err != nil {
				return err
			}
			if err := exec("orders", coreStatement(d, "drop_multi", coreData{})); err != nil {
				return err
			}
			if err := exec("orders", coreStatement(d, "multi_orders", orderData())); err != nil {
				return err
			}
		} else if err := exec("order_versions", coreStatement(d, "empty_versions", coreData{})); err != nil {
			return err
		}
		kept, err := tieReturns(ctx, tx, d, versions) // returns.go
		if err != nil {
			return err
		}
		if err := exec("kept_order_lines", kept); err != nil {
			return err
		}
		if err := foldReturns(ctx, tx, d); err != nil {
			return err
		}
		if err := exec("order_lines", orderLinesSQL); err != nil {
			return err
		}
		for _, c := range mastersSQL() {
			if c.view {
				if err := exec(c.table, c.statement()); err != nil {
					return err
				}
			} else if err := warehouse.CreateTableAs(ctx, tx, c.table, c.query); err != nil {
				return fmt.Errorf("build core table %s: %w", c.table, err)
			}
		}
		if warehouse.CapabilitiesOf(wh.Dialect()).IncrementalUpdates { // the base of UpdateCore
			if err := markAllCustomersChanged(ctx, tx); err != nil {
				return err
			}
			if _, err := beginChanges(ctx, tx, true); err != nil {
				return fmt.Errorf("build core: %w", err)
			}
			if err := recordAssignSums(ctx, tx); err != nil { // coreinc_masters.go
				return err
			}
			return recordCoreLoads(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// orders sums the lines of the order_lines view per order: its total
	// is the view's row count without joining 10M lines again.
	n, err := warehouse.Int64(ctx, wh, coreStatement(d, "count_lines", coreData{}))
	if err != nil {
		return 0, fmt.Errorf("count order lines: %w", err)
	}
	return n, nil
}
