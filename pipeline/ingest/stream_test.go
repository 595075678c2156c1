package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// perBatchWH hides the DuckDB transaction's LoadReader, so the ingester
// loads one batch per Load as it does on BigQuery.
type perBatchWH struct{ *warehouse.DuckDB }

func (w perBatchWH) InTx(ctx context.Context, fn func(tx warehouse.Tx) error) error {
	return w.DuckDB.InTx(ctx, func(tx warehouse.Tx) error { return fn(struct{ warehouse.Tx }{tx}) })
}

// A file loads the same rows, each with its file position, with the same quarantine and
// counts whatever the batch size: one batch, many batches in one INSERT, or
// INSERTs split where quarantined rows are written.
func TestBatchSizesLoadTheSameRowsInOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("Order,Email,Phone,Created at,Status,SKU,Qty,Price,Discount,Total,Refunded\n")
	const n = 1000
	bad := 0
	for i := 1; i <= n; i++ {
		qty := "1"
		if i%7 == 0 || (i > 500 && i < 540) { // runs of bad rows, too
			qty = "x"
			bad++
		}
		fmt.Fprintf(&b, "#%d,a%d@x.com,,2025-01-02 03:04:05,paid,SKU-%d,%s,10,0,10,0\n", i, i, i%13, qty)
	}
	for _, batch := range []int{0, 1, 3, 64, 999, -1, -64} { // negative: -batch rows, one Load per batch (as on BigQuery)
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "shop", "orders.csv")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			wh := openWH(t)
			cfg := cfgFor(dir, shopifySource("shop/*.csv"))
			var target warehouse.Warehouse = wh
			if batch < 0 {
				batch, target = -batch, perBatchWH{wh}
			}
			var calls int
			var last int64
			in := &ingest.Ingester{WH: target, BaseDir: dir, BatchRows: batch, AfterBatch: func(_ string, rows int64) error {
				if rows < last {
					t.Errorf("AfterBatch rows went back from %d to %d", last, rows)
				}
				calls++
				last = rows
				return nil
			}}
			res, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
			if err != nil {
				t.Fatal(err)
			}
			if res.RowsLoaded != int64(n-bad) || res.RowsQuarantined != int64(bad) || res.RowsRead != n {
				t.Fatalf("read %d loaded %d quarantined %d, want %d, %d, %d", res.RowsRead, res.RowsLoaded, res.RowsQuarantined, n, n-bad, bad)
			}
			if calls == 0 || last != int64(n-bad) {
				t.Errorf("AfterBatch called %d times, last with %d rows; want the last call with %d", calls, last, n-bad)
			}
			// _row is the file position of each row (the warehouse does not
			// keep insertion order: DuckDB inserts in parallel), every row
			// once.
			rows, err := wh.DB().Query(`SELECT _row, order_id FROM raw_order_lines ORDER BY _row`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			prev, got := int64(0), 0
			for rows.Next() {
				var r int64
				var id string
				if err := rows.Scan(&r, &id); err != nil {
					t.Fatal(err)
				}
				if r <= prev || id != fmt.Sprintf("#%d", r-1) {
					t.Fatalf("row %d (%s) after row %d", r, id, prev)
				}
				prev = r
				got++
			}
			if got != n-bad {
				t.Fatalf("%d rows in raw_order_lines, want %d", got, n-bad)
			}
			var q, m int64
			wh.DB().QueryRow(`SELECT count(*), count(DISTINCT "row") FROM quarantine WHERE reason = 'bad_number' AND "column" = 'qty'`).Scan(&q, &m)
			if q != int64(bad) || m != int64(bad) {
				t.Errorf("quarantine has %d rows (%d distinct), want %d", q, m, bad)
			}
		})
	}
}
