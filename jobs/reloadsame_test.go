package jobs

import (
	"context"
	"fmt"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestReloadOfTheSameFileRebuildsCore: crmkit reload removes a file's raw
// rows and manifest row and loads it again; the file is the same, so the
// load keeps its id (ingest.LoadID hashes the content), but a fixed config
// may load other rows from it. Here the first load of L1 kept order A (1
// unit) and quarantined the rest; the reload under the fixed config loads
// A with 5 units and order B. Core must not take the reloaded load for one
// it already covers: it rebuilds, and orders hold A with 5 units and B.
func TestReloadOfTheSameFileRebuildsCore(t *testing.T) {
	ctx := context.Background()
	wh := testWH(t)
	load := func(hour int, rows string) {
		execAll(t, wh, `DELETE FROM raw_order_lines WHERE _load_id = 'L1'`, `DELETE FROM load_files WHERE load_id = 'L1'`,
			fmt.Sprintf(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at, load_seq)
				VALUES ('L1', 'jd_orders', 'jd.csv', 'h1', 'loaded', 2, 2, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00' + INTERVAL %d HOUR, %d)`, hour, hour),
			`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, paid_amount, refund_amount) VALUES `+rows)
	}
	load(1, `('L1', 2, 'jd', 'A', TIMESTAMPTZ '2025-01-10 08:00:00+00', 'paid', 'X', 1, 10, 10, 0)`)
	if _, err := UpdateCore(ctx, wh); err != nil {
		t.Fatal(err)
	}
	load(2, `('L1', 2, 'jd', 'A', TIMESTAMPTZ '2025-01-10 08:00:00+00', 'paid', 'X', 5, 10, 50, 0),
		('L1', 3, 'jd', 'B', TIMESTAMPTZ '2025-01-11 08:00:00+00', 'paid', 'X', 1, 20, 20, 0)`)
	up, err := UpdateCore(ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	if !up.Full {
		t.Errorf("core updated incrementally after the reload (%d new loads): want a rebuild", up.NewLoads)
	}
	var got string
	if err := wh.DB().QueryRow(`SELECT string_agg(order_id || ':' || units, ',' ORDER BY order_id) FROM orders`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "A:5,B:1" {
		t.Errorf("orders %s, want A:5,B:1", got)
	}
}

// TestReloadOfTheSameFileRebuildsTheGraph: the same reload seen by the
// incremental stitch. The graph recorded L1 as loaded at 01:00; after the
// reload (same id, loaded at 02:00) graph_gone.sql counts it, so the stitch
// rebuilds instead of taking the reloaded rows for rows it has linked. A
// load of another file (L2) the graph has not covered yet is not gone.
func TestReloadOfTheSameFileRebuildsTheGraph(t *testing.T) {
	ctx := context.Background()
	wh := testWH(t)
	d := wh.Dialect()
	manifest := func(id string, hour int) string {
		return fmt.Sprintf(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at, load_seq)
			VALUES ('%s', 'jd_orders', '%s.csv', 'h%s', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00' + INTERVAL %d HOUR, %d)`, id, id, id, hour, hour)
	}
	execAll(t, wh, manifest("L1", 1))
	if err := wh.InTx(ctx, func(tx warehouse.Tx) error { return recordGraph(ctx, d, tx, "fp") }); err != nil {
		t.Fatal(err)
	}
	gone := func() int64 {
		q, err := stitchSQL(d, "graph_gone")
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := wh.DB().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	execAll(t, wh, manifest("L2", 3))
	if n := gone(); n != 0 {
		t.Fatalf("before the reload %d loads gone, want 0", n)
	}
	execAll(t, wh, `DELETE FROM load_files WHERE load_id = 'L1'`, manifest("L1", 2))
	if n := gone(); n != 1 {
		t.Errorf("after the reload %d loads gone, want 1 (L1)", n)
	}
}

// TestPrepareDropsLoadListsWithoutTimes: core_loads and
// identity_graph_loads recorded by an earlier version hold load ids only,
// which cannot tell a reloaded file from the load they covered. Opening
// the warehouse drops them, so core rebuilds once ("no core_loads yet")
// and records them with their times; lists with times are kept.
func TestPrepareDropsLoadListsWithoutTimes(t *testing.T) {
	ctx := context.Background()
	wh := testWH(t)
	execAll(t, wh, `CREATE TABLE core_loads (load_id VARCHAR)`, `INSERT INTO core_loads VALUES ('L1')`,
		`CREATE TABLE identity_graph_loads (load_id VARCHAR)`, `INSERT INTO identity_graph_loads VALUES ('L1')`)
	if err := Prepare(ctx, wh); err != nil {
		t.Fatal(err)
	}
	exists := func(table string) bool {
		ok, err := warehouse.TableExists(ctx, wh, table)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, tb := range []string{"core_loads", "identity_graph_loads"} {
		if exists(tb) {
			t.Errorf("%s without loaded_at is still there after Prepare", tb)
		}
	}
	up, err := UpdateCore(ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	if !up.Full || up.Reason != "no core_loads yet" {
		t.Errorf("core after the drop: full %v (%s), want a rebuild for no core_loads yet", up.Full, up.Reason)
	}
	if err := Prepare(ctx, wh); err != nil {
		t.Fatal(err)
	}
	if !exists("core_loads") {
		t.Error("Prepare dropped core_loads recorded with load times")
	}
}
