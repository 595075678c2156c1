package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/source"
)

// lineText renders the derived and return-related fields of the one row
// in a builder's batch: order_id qty unit_price paid refund status
// original_order_id.
func lineText(t *testing.T, b *Builder) string {
	t.Helper()
	rec := b.Flush()
	if rec == nil {
		t.Fatal("no row")
	}
	defer rec.Release()
	col := func(name string) string {
		i := rec.Schema().FieldIndices(name)[0]
		return rec.Column(i).ValueStr(0)
	}
	return strings.Join([]string{col("order_id"), col("qty"), col("unit_price"), col("paid_amount"), col("refund_amount"), col("status"), col("original_order_id")}, " ")
}

// TestDerivedFieldsAndReturns: each case maps one invoice-line header, adds
// one row and states by hand the stored line, or the quarantine reason.
func TestDerivedFieldsAndReturns(t *testing.T) {
	header := []string{"InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Disc", "Status", "Line Total", "Original"}
	base := map[string]string{"order_id": "InvoiceNo", "sku": "StockCode", "qty": "Quantity", "order_ts": "InvoiceDate", "unit_price": "UnitPrice", "buyer_id": "CustomerID"}
	with := func(extra map[string]string, drop ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for _, k := range drop {
			delete(m, k)
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	invoice := &config.Returns{OrderIDPrefix: "C", NegativeQty: true}
	cases := []struct {
		name    string
		columns map[string]string
		returns *config.Returns
		row     []string
		want    string // order_id qty unit_price paid refund status original_order_id, or "quarantine: reason"
	}{
		{"paid = qty × unit_price when unmapped", base, nil,
			[]string{"536365", "85123A", "6", "12/1/2010 8:26", "2.55", "17850", "", "", ""}, "536365 6 2.55 15.3 (null) (null) (null)"},
		{"paid = qty × unit_price − discount", with(map[string]string{"discount": "Disc"}), nil,
			[]string{"536365", "85123A", "4", "12/1/2010 8:26", "2.5", "17850", "1.5", "", ""}, "536365 4 2.5 8.5 (null) (null) (null)"},
		{"paid as an expression", with(map[string]string{"paid_amount": "Quantity * UnitPrice - Disc"}), nil,
			[]string{"536366", "22633", "3", "12/1/2010 8:28", "1.85", "17850", "0.55", "", ""}, "536366 3 1.85 5 (null) (null) (null)"},
		{"expression over a column name with a space", with(map[string]string{"paid_amount": `$env["Line Total"] * 1`}), nil,
			[]string{"536366", "22633", "3", "12/1/2010 8:28", "1.85", "17850", "", "", "5.55"}, "536366 3 1.85 5.55 (null) (null) (null)"},
		{"expression on a column that is not a number", with(map[string]string{"paid_amount": "Quantity * UnitPrice"}), nil,
			[]string{"536366", "22633", "3", "12/1/2010 8:28", "n/a", "17850", "", "", ""}, "quarantine: bad_number"},
		{"unit price from the line total", with(map[string]string{"paid_amount": "Line Total"}, "unit_price"), nil,
			[]string{"536367", "84879", "4", "12/1/2010 8:34", "", "13047", "", "", "10"}, "536367 4 2.5 10 (null) (null) (null)"},
		{"one order per line without order ids", with(nil, "order_id"), nil,
			[]string{"", "84879", "1", "12/1/2010 8:34", "1.69", "13047", "", "", ""}, "sales.txt#7 1 1.69 1.69 (null) (null) (null)"},
		{"cancellation: C prefix and negative quantity", base, invoice,
			[]string{"C536379", "D", "-1", "12/1/2010 9:41", "27.5", "14527", "", "", ""}, "C536379 -1 27.5 0 27.5 returned (null)"},
		{"return by status with a positive quantity", with(map[string]string{"status": "Status"}), &config.Returns{Status: []string{"Returned", "退货"}},
			[]string{"A9", "X1", "2", "12/1/2010 9:41", "5", "1", "", "退货", ""}, "A9 -2 5 0 10 退货 (null)"},
		{"negative quantity without returns is quarantined", base, nil,
			[]string{"C536379", "D", "-1", "12/1/2010 9:41", "27.5", "14527", "", "", ""}, "quarantine: negative_qty"},
		{"negative quantity not matching a return rule", base, &config.Returns{OrderIDPrefix: "C"},
			[]string{"536380", "D", "-1", "12/1/2010 9:41", "27.5", "14527", "", "", ""}, "quarantine: negative_qty"},
		{"the stripped prefix names no original unless asked", base, invoice,
			[]string{"C536400", "22086", "-2", "2/3/2011 10:00", "2.95", "17850", "", "", ""}, "C536400 -2 2.95 0 5.9 returned (null)"},
		{"original_from_prefix: C536400 returns goods of 536400", base, &config.Returns{OrderIDPrefix: "C", NegativeQty: true, OriginalFromPrefix: true},
			[]string{"C536400", "22086", "-2", "2/3/2011 10:00", "2.95", "17850", "", "", ""}, "C536400 -2 2.95 0 5.9 returned 536400"},
		{"original_from_prefix on a return without the prefix", base, &config.Returns{OrderIDPrefix: "C", NegativeQty: true, OriginalFromPrefix: true},
			[]string{"536401", "22086", "-2", "2/3/2011 10:00", "2.95", "17850", "", "", ""}, "536401 -2 2.95 0 5.9 returned (null)"},
		{"a mapped original on a return", with(map[string]string{"original_order_id": "Original"}), invoice,
			[]string{"R77", "22086", "-1", "2/3/2011 10:00", "2.95", "17850", "", "", "", "536400"}, "R77 -1 2.95 0 2.95 returned 536400"},
		{"a mapped original wins over the stripped prefix", with(map[string]string{"original_order_id": "Original"}), &config.Returns{OrderIDPrefix: "C", OriginalFromPrefix: true},
			[]string{"C536400", "22086", "-1", "2/3/2011 10:00", "2.95", "17850", "", "", "", "536399"}, "C536400 -1 2.95 0 2.95 returned 536399"},
		{"an original on a line that is no return is not stored", with(map[string]string{"original_order_id": "Original"}), invoice,
			[]string{"536402", "22086", "1", "2/3/2011 10:00", "2.95", "17850", "", "", "", "536400"}, "536402 1 2.95 2.95 (null) (null) (null)"},
		{"a return naming its own order names none", with(map[string]string{"original_order_id": "Original"}), invoice,
			[]string{"536402", "22086", "-1", "2/3/2011 10:00", "2.95", "17850", "", "", "", "536402"}, "536402 -1 2.95 0 2.95 returned (null)"},
		{"a return of zero units is still bad", base, invoice,
			[]string{"C536381", "D", "0", "12/1/2010 9:41", "27.5", "14527", "", "", ""}, "quarantine: zero_qty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &config.Source{Name: "retail", Table: "order_lines", Channel: "online", Format: "csv",
				TimestampLayout: "1/2/2006 15:04", Location: time.UTC, Columns: c.columns,
				SourceText: config.SourceText{Returns: c.returns}}
			m, err := NewMapping(src, "sales.txt", header)
			if err != nil {
				t.Fatal(err)
			}
			b := m.NewBuilder(memory.DefaultAllocator, "L1")
			defer b.Release()
			p := b.Add(&source.Row{Num: 7, Fields: c.row})
			got := ""
			if p != nil {
				got = "quarantine: " + p.Reason
			} else {
				got = lineText(t, b)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestExpressionHeaderErrors: an expression naming a column the file does
// not have, or that does not parse, rejects the file naming it.
func TestExpressionHeaderErrors(t *testing.T) {
	header := []string{"InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"}
	for _, c := range []struct{ expr, want string }{
		{"Quantity * Price", `the file has no column "Price"`},
		{"Quantity * (UnitPrice", "expression"},
	} {
		src := &config.Source{Name: "retail", Table: "order_lines", Channel: "online", Format: "csv", Location: time.UTC,
			Columns: map[string]string{"order_id": "InvoiceNo", "sku": "StockCode", "qty": "Quantity", "order_ts": "InvoiceDate",
				"unit_price": "UnitPrice", "paid_amount": c.expr}}
		_, err := NewMapping(src, "f.csv", header)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `"f.csv"`) {
			t.Errorf("%s: err %v, want one naming the file and %q", c.expr, err, c.want)
		}
	}
}
