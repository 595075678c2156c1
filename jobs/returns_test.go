package jobs

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/internal/sqltest"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestReturnsTiedToOriginal: loads applied in turn to two warehouses, one
// rebuilt (BuildCore) and one updated (UpdateCore); after each, orders and
// the order_lines view of both equal the figures worked out by hand.
//
// Load L001 (tmall): A (customer CA, 2025-01-10) 2 × x at 10 + 1 × y at 5
// = 25; B (CB, 2025-02-01) 1 × 30.
// Load L002, returns (status returned, paid 0, refund = amount):
//   - R1 (own customer CR) −1 × x, refund 10, names A: tied, so A has 3
//     lines, units 2, paid 25, refund 10, net 15 on 2025-01-10 and R1 no
//     row; its line in order_lines is A's, customer CA, 2025-01-10;
//   - R2 −1, refund 30, names Z, not loaded: its own order (2025-03-06,
//     customer CR2, net −30);
//   - R3 on jd names B, a tmall order: not tied (another channel);
//   - R4 names R1, a return (no bought line): not tied;
//   - R5 names nothing: its own order.
//
// Load L003: Z (CZ, 2025-02-20) 3 × 10 = 30 arrives: R2 is tied now, Z has
// units 2, paid 30, refund 30, net 0.
// Load L004: A exported again with one line (2 × x = 20): A keeps R1,
// lines 2, units 1, paid 20, refund 10, net 10.
func TestReturnsTiedToOriginal(t *testing.T) {
	ctx := context.Background()
	inc, full := testWH(t), testWH(t)
	exec := func(q string, args ...any) {
		t.Helper()
		for _, wh := range []*warehouse.DuckDB{inc, full} {
			if err := wh.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
		}
	}
	load := func(id string, seq int, lines ...string) {
		exec(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at, load_seq)
			VALUES (?, 's', ?, ?, 'loaded', 0, 0, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00' + to_minutes(CAST(? AS BIGINT)), ?)`, id, id+".csv", id, seq, seq)
		var rows []string
		for i, l := range lines {
			rows = append(rows, fmt.Sprintf("('%s', %d, %s)", id, i+2, l))
		}
		exec(`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, discount, paid_amount, refund_amount, original_order_id)
			VALUES ` + strings.Join(rows, ", "))
	}
	assign := func(pairs ...string) {
		for i := 0; i < len(pairs); i += 2 {
			exec(`INSERT INTO identity_assignments VALUES ('order_lines', ?, ?)`, pairs[i], pairs[i+1])
		}
	}
	const (
		jan10 = "TIMESTAMPTZ '2025-01-10 10:00:00+00'"
		feb01 = "TIMESTAMPTZ '2025-02-01 10:00:00+00'"
		feb20 = "TIMESTAMPTZ '2025-02-20 10:00:00+00'"
		mar05 = "TIMESTAMPTZ '2025-03-05 10:00:00+00'"
		mar06 = "TIMESTAMPTZ '2025-03-06 10:00:00+00'"
	)
	ordersQ := `SELECT channel, order_id, coalesce(customer_id, '-'), strftime(order_ts AT TIME ZONE 'UTC', '%Y-%m-%d'), lines, units,
		round(paid_amount, 2), round(refund_amount, 2), round(net_amount, 2) FROM orders ORDER BY 1, 2`
	linesQ := `SELECT order_id, coalesce(customer_id, '-'), strftime(order_ts AT TIME ZONE 'UTC', '%Y-%m-%d'), sku, qty FROM order_lines
		WHERE qty < 0 ORDER BY _load_id, _row`
	steps := []struct {
		name         string
		apply        func()
		orders, rets string
	}{
		{"originals and returns, one tied",
			func() {
				load("L001", 1,
					"'tmall', 'A', "+jan10+", 'paid', 'x', 2, 10, 0, 20, 0, NULL",
					"'tmall', 'A', "+jan10+", 'paid', 'y', 1, 5, 0, 5, 0, NULL",
					"'tmall', 'B', "+feb01+", 'paid', 'z', 1, 30, 0, 30, 0, NULL")
				load("L002", 2,
					"'tmall', 'R1', "+mar05+", 'returned', 'x', -1, 10, 0, 0, 10, 'A'",
					"'tmall', 'R2', "+mar06+", 'returned', 'z', -1, 30, 0, 0, 30, 'Z'",
					"'jd', 'R3', "+mar06+", 'returned', 'z', -1, 30, 0, 0, 30, 'B'",
					"'tmall', 'R4', "+mar06+", 'returned', 'x', -1, 10, 0, 0, 10, 'R1'",
					"'tmall', 'R5', "+mar06+", 'returned', 'y', -1, 5, 0, 0, 5, NULL")
				assign("tmall:A", "CA", "tmall:B", "CB", "tmall:R1", "CR", "tmall:R2", "CR2", "jd:R3", "CB", "tmall:R4", "CR", "tmall:R5", "CA", "tmall:Z", "CZ")
			},
			`jd R3 CB 2025-03-06 1 -1 0 30 -30
tmall A CA 2025-01-10 3 2 25 10 15
tmall B CB 2025-02-01 1 1 30 0 30
tmall R2 CR2 2025-03-06 1 -1 0 30 -30
tmall R4 CR 2025-03-06 1 -1 0 10 -10
tmall R5 CA 2025-03-06 1 -1 0 5 -5`,
			`A CA 2025-01-10 x -1
R2 CR2 2025-03-06 z -1
R3 CB 2025-03-06 z -1
R4 CR 2025-03-06 x -1
R5 CA 2025-03-06 y -1`},
		{"the original of an untied return arrives",
			func() { load("L003", 3, "'tmall', 'Z', "+feb20+", 'paid', 'z', 3, 10, 0, 30, 0, NULL") },
			`jd R3 CB 2025-03-06 1 -1 0 30 -30
tmall A CA 2025-01-10 3 2 25 10 15
tmall B CB 2025-02-01 1 1 30 0 30
tmall R4 CR 2025-03-06 1 -1 0 10 -10
tmall R5 CA 2025-03-06 1 -1 0 5 -5
tmall Z CZ 2025-02-20 2 2 30 30 0`,
			`A CA 2025-01-10 x -1
Z CZ 2025-02-20 z -1
R3 CB 2025-03-06 z -1
R4 CR 2025-03-06 x -1
R5 CA 2025-03-06 y -1`},
		{"the original exported again keeps its return",
			func() { load("L004", 4, "'tmall', 'A', "+jan10+", 'paid', 'x', 2, 10, 0, 20, 0, NULL") },
			`jd R3 CB 2025-03-06 1 -1 0 30 -30
tmall A CA 2025-01-10 2 1 20 10 10
tmall B CB 2025-02-01 1 1 30 0 30
tmall R4 CR 2025-03-06 1 -1 0 10 -10
tmall R5 CA 2025-03-06 1 -1 0 5 -5
tmall Z CZ 2025-02-20 2 2 30 30 0`,
			`A CA 2025-01-10 x -1
Z CZ 2025-02-20 z -1
R3 CB 2025-03-06 z -1
R4 CR 2025-03-06 x -1
R5 CA 2025-03-06 y -1`},
	}
	for i, s := range steps {
		s.apply()
		up, err := UpdateCore(ctx, inc)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if i > 0 && up.Full {
			t.Fatalf("%s: incremental core rebuilt: %s", s.name, up.Reason)
		}
		if _, err := BuildCore(ctx, full); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for _, w := range []struct {
			name string
			wh   *warehouse.DuckDB
		}{{"incremental", inc}, {"rebuilt", full}} {
			if got := queryText(t, w.wh, ordersQ); got != s.orders {
				t.Errorf("%s, %s orders:\n%s\nwant\n%s", s.name, w.name, got, s.orders)
			}
			if got := queryText(t, w.wh, linesQ); got != s.rets {
				t.Errorf("%s, %s return lines:\n%s\nwant\n%s", s.name, w.name, got, s.rets)
			}
		}
	}
}

// queryText runs q and joins each row's values with spaces, rows with
// newlines.
func queryText(t *testing.T, wh *warehouse.DuckDB, q string) string {
	t.Helper()
	var lines []string
	_, rows := sqltest.Rows(t, wh.DB(), q)
	for _, r := range rows {
		var fs []string
		for _, v := range r {
			fs = append(fs, fmt.Sprint(v))
		}
		lines = append(lines, strings.Join(fs, " "))
	}
	return strings.Join(lines, "\n")
}
