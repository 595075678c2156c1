package jobs

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestPurchaseRule: which orders PurchasesSQL takes as purchases, by hand:
// a purchase has units bought and a net amount of at least min_amount
// (inclusive), unless refunds took all of it; returns (negative units),
// cancelled or void orders, anonymous orders and orders after the as-of
// day never count; an order without a status counts.
func TestPurchaseRule(t *testing.T) {
	wh := testWH(t)
	execAll(t, wh,
		`CREATE OR REPLACE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_ts TIMESTAMPTZ, units BIGINT, net_amount DOUBLE, refund_amount DOUBLE, status VARCHAR)`,
		`INSERT INTO orders VALUES
			('paid', 'C1', TIMESTAMPTZ '2025-01-01 10:00:00+00', 2, 30, 0, 'paid'),
			('free', 'C1', TIMESTAMPTZ '2025-01-02 10:00:00+00', 1, 0, 0, 'paid'),
			('cheap', 'C1', TIMESTAMPTZ '2025-01-03 10:00:00+00', 1, 4.99, 0, 'paid'),
			('five', 'C1', TIMESTAMPTZ '2025-01-03 11:00:00+00', 1, 5, 0, 'paid'),
			('part_refund', 'C1', TIMESTAMPTZ '2025-01-04 10:00:00+00', 1, 10, 5, 'paid'),
			('full_refund', 'C1', TIMESTAMPTZ '2025-01-05 10:00:00+00', 1, 0, 20, 'paid'),
			('return', 'C2', TIMESTAMPTZ '2025-01-06 10:00:00+00', -3, -45, 0, 'paid'),
			('anonymous', NULL, TIMESTAMPTZ '2025-01-06 10:00:00+00', 1, 10, 0, 'paid'),
			('late', 'C1', TIMESTAMPTZ '2025-02-01 00:00:00+00', 1, 10, 0, 'paid'),
			('cancelled', 'C3', TIMESTAMPTZ '2025-01-07 10:00:00+00', 1, 50, 0, 'cancelled'),
			('void', 'C3', TIMESTAMPTZ '2025-01-07 11:00:00+00', 1, 60, 0, 'void'),
			('no_status', 'C3', TIMESTAMPTZ '2025-01-08 10:00:00+00', 1, 7, 0, NULL)`)
	cases := []struct {
		name string
		min  float64
		want []string // net amounts of the purchases, sorted
	}{
		{"default 0 takes $0.00 orders", 0, []string{"0", "10", "30", "4.99", "5", "7"}},
		{"min 5 is inclusive", 5, []string{"10", "30", "5", "7"}},
		{"min 10.5 leaves the big order only", 10.5, []string{"30"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := wh.Query(context.Background(), PurchasesSQL(c.min), "2025-02-01T00:00:00Z")
			if err != nil {
				t.Fatal(err)
			}
			defer warehouse.Release(recs)
			var got []string
			for _, r := range recs {
				col := r.Column(2).(*array.Float64)
				for i := 0; i < col.Len(); i++ {
					got = append(got, col.ValueStr(i))
				}
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("purchases %v, want %v", got, c.want)
			}
		})
	}
}
