package config

import (
	"strings"
	"testing"
)

// textSource is one order-lines source; each case appends its own keys.
const textSource = `warehouse:
  path: out/w.duckdb
sources:
  - name: log
    table: order_lines
    channel: online
    path: data/*.txt
    format: %s
`

// TestSourceTextSettings: the text-layout, derived-field and returns keys,
// each case with the file:line:key error worked out by hand (or none).
func TestSourceTextSettings(t *testing.T) {
	cases := []struct {
		name, format, extra, want string
	}{
		{"cdnow layout", "csv", "    delimiter: whitespace\n    header: false\n    skip_rows: 1\n    comment: \"#\"\n    columns: {buyer_id: \"2\", order_ts: \"3\", qty: \"4\", paid_amount: \"5\"}\n    constants: {sku: cd}\n", ""},
		{"paid_amount derived", "csv", "    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n", ""},
		{"paid and unit price both missing", "csv", "    columns: {order_id: A, order_ts: B, sku: C, qty: D}\n",
			"crm.yaml:9: sources[0].columns.paid_amount: map paid_amount or unit_price"},
		{"whitespace on xlsx", "xlsx", "    delimiter: whitespace\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			`crm.yaml:9: sources[0].delimiter: "whitespace" applies to csv (text) files only, not xlsx`},
		{"no header on parquet", "parquet", "    header: false\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			"crm.yaml:9: sources[0].header: false applies to csv (text) files only, not parquet"},
		{"two-character delimiter", "csv", "    delimiter: \"||\"\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			`crm.yaml:9: sources[0].delimiter: must be one character or "whitespace"`},
		{"negative skip", "csv", "    skip_rows: -1\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			"crm.yaml:9: sources[0].skip_rows: must not be negative, got -1"},
		{"comment is the delimiter", "csv", "    delimiter: \";\"\n    comment: \";\"\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			`crm.yaml:10: sources[0].comment: ";" cannot start a comment`},
		{"returns without a rule", "csv", "    returns: {}\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			"sources[0].returns: names no rule"},
		{"returns with an empty status", "csv", "    returns:\n      status: [\"\"]\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			"sources[0].returns.status[0]: must not be empty"},
		{"original_from_prefix without a prefix", "csv", "    returns:\n      negative_qty: true\n      original_from_prefix: true\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			"crm.yaml:11: sources[0].returns.original_from_prefix: needs order_id_prefix"},
		{"original from the prefix", "csv", "    returns: {order_id_prefix: C, original_from_prefix: true}\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E, original_order_id: F}\n", ""},
		{"gzip csv", "csv", "    compression: gzip\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n", ""},
		{"gzip ndjson", "ndjson", "    compression: gzip\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n", ""},
		{"compression none", "csv", "    compression: none\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n", ""},
		{"gzip on parquet", "parquet", "    compression: gzip\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			"crm.yaml:9: sources[0].compression: gzip applies to text files (csv, ndjson) only, not parquet"},
		{"unknown compression", "csv", "    compression: zstd\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n",
			`crm.yaml:9: sources[0].compression: unknown compression "zstd" (want gzip or none`},
		{"returns rule", "csv", "    returns: {negative_qty: true, order_id_prefix: C, status: [退货]}\n    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := strings.Replace(textSource, "%s", c.format, 1) + c.extra
			cfg, err := Parse("crm.yaml", []byte(raw))
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.name == "returns rule" && (cfg.Sources[0].Returns == nil || cfg.Sources[0].Returns.OrderIDPrefix != "C" || cfg.Sources[0].Returns.Status[0] != "退货") {
					t.Errorf("returns = %+v", cfg.Sources[0].Returns)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestMinAmountParsed(t *testing.T) {
	raw := strings.Replace(textSource, "%s", "csv", 1) + "    columns: {order_id: A, order_ts: B, sku: C, qty: D, unit_price: E}\nmodels:\n  clv:\n    min_amount: 0.5\n"
	c, err := Parse("crm.yaml", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if c.Models.CLV.MinAmount != 0.5 {
		t.Errorf("min_amount = %v, want 0.5", c.Models.CLV.MinAmount)
	}
}
