package jobs

import (
	"context"
	"testing"
)

// TestCoreKeepsLatestExportOfAnOrder: order A is exported in load L1 (paid)
// and again in L2 (refunded, loaded later); order B only in L1 with two
// lines of the same SKU. Core keeps A's L2 line and both of B's lines.
func TestCoreKeepsLatestExportOfAnOrder(t *testing.T) {
	wh := testWH(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at) VALUES
			('L1', 's', 'a.csv', 'h1', 'loaded', 3, 3, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00'),
			('L2', 's', 'b.csv', 'h2', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-01-02 00:00:00+00')`,
		`INSERT INTO raw_order_lines (_load_id, _source, _file, _row, channel, order_id, order_ts, status, sku, qty, unit_price, paid_amount, refund_amount) VALUES
			('L1', 's', 'a.csv', 2, 'shopify', 'A', TIMESTAMPTZ '2024-12-30 10:00:00+00', 'paid', 'X', 1, 100, 100, 0),
			('L1', 's', 'a.csv', 3, 'shopify', 'B', TIMESTAMPTZ '2024-12-30 11:00:00+00', 'paid', 'Y', 1, 10, 10, 0),
			('L1', 's', 'a.csv', 4, 'shopify', 'B', TIMESTAMPTZ '2024-12-30 11:00:00+00', 'paid', 'Y', 1, 10, 10, 0),
			('L2', 's', 'b.csv', 2, 'shopify', 'A', TIMESTAMPTZ '2024-12-30 10:00:00+00', 'refunded', 'X', 1, 100, 100, 100)`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	n, err := BuildCore(ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("order_lines = %d, want 3", n)
	}
	var status string
	var net, bNet float64
	var bLines int64
	if err := wh.DB().QueryRow(`SELECT status, net_amount FROM orders WHERE order_id = 'A'`).Scan(&status, &net); err != nil || status != "refunded" || net != 0 {
		t.Fatalf("order A: %q net %v (%v), want refunded and 0", status, net, err)
	}
	if err := wh.DB().QueryRow(`SELECT lines, net_amount FROM orders WHERE order_id = 'B'`).Scan(&bLines, &bNet); err != nil || bLines != 2 || bNet != 20 {
		t.Fatalf("order B: %d lines net %v (%v), want 2 and 20", bLines, bNet, err)
	}
}
