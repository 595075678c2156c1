package ingest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/internal/sqltest"
	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// columnsOf reads table's columns back from information_schema
// (sqltest.Columns).
func columnsOf(t *testing.T, wh *warehouse.DuckDB, table string) []string {
	return sqltest.Columns(t, wh.DB(), table)
}

// TestTablesCreatedFromTheirSchemas: EnsureTables on a fresh DuckDB file
// makes the bookkeeping and raw tables with the declared column types and
// NOT NULL constraints, read back from information_schema (expected lists
// written out by hand), and a second EnsureTables changes nothing.
func TestTablesCreatedFromTheirSchemas(t *testing.T) {
	wh := openWH(t)
	if err := ingest.EnsureTables(context.Background(), wh); err != nil {
		t.Fatalf("second EnsureTables: %v", err)
	}
	const tz = "TIMESTAMP WITH TIME ZONE"
	cases := []struct {
		table string
		want  []string
	}{
		{"load_files", []string{
			"load_id VARCHAR NOT NULL", "source VARCHAR NOT NULL", "file VARCHAR NOT NULL", "hash VARCHAR NOT NULL",
			"bytes BIGINT", "status VARCHAR NOT NULL", "rows_read BIGINT", "rows_loaded BIGINT", "rows_quarantined BIGINT",
			"error VARCHAR", "run_id VARCHAR", "loaded_at " + tz, "file_mtime " + tz, "config_hash VARCHAR", "load_seq BIGINT"}},
		{"quarantine", []string{
			"load_id VARCHAR NOT NULL", "source VARCHAR NOT NULL", "file VARCHAR NOT NULL", "row BIGINT NOT NULL",
			"column VARCHAR", "reason VARCHAR NOT NULL", "detail VARCHAR", "raw VARCHAR"}},
		{"raw_order_lines", []string{
			"_load_id VARCHAR NOT NULL", "_row BIGINT NOT NULL", "channel VARCHAR",
			"order_id VARCHAR", "store_id VARCHAR", "associate_id VARCHAR", "buyer_id VARCHAR", "member_card VARCHAR",
			"phone VARCHAR", "email VARCHAR", "name VARCHAR", "device_id VARCHAR", "order_ts " + tz, "status VARCHAR",
			"sku VARCHAR", "qty BIGINT", "unit_price DOUBLE", "discount DOUBLE", "paid_amount DOUBLE", "refund_amount DOUBLE",
			"province VARCHAR", "original_order_id VARCHAR"}},
		{"raw_products", []string{
			"_load_id VARCHAR NOT NULL", "_row BIGINT NOT NULL",
			"sku VARCHAR", "product_name VARCHAR", "category VARCHAR", "brand VARCHAR", "unit_cost DOUBLE", "list_price DOUBLE"}},
		{"raw_service_tickets", []string{
			"_load_id VARCHAR NOT NULL", "_row BIGINT NOT NULL",
			"ticket_id VARCHAR", "identifier_type VARCHAR", "identifier VARCHAR", "opened_ts " + tz, "closed_ts " + tz,
			"category VARCHAR", "csat BIGINT"}},
	}
	for _, c := range cases {
		t.Run(c.table, func(t *testing.T) {
			got := columnsOf(t, wh, c.table)
			if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
				t.Errorf("columns\n got %s\nwant %s", strings.Join(got, ", "), strings.Join(c.want, ", "))
			}
		})
	}
	// Every registered table has its raw table, with one column per
	// lineage column, channel and canonical field.
	for _, n := range schema.Names() {
		tbl, _ := schema.Lookup(n)
		want := 2 + len(tbl.Fields)
		if tbl.HasChannel() {
			want++
		}
		if got := len(columnsOf(t, wh, tbl.RawTable())); got != want {
			t.Errorf("%s: %d columns, want %d", tbl.RawTable(), got, want)
		}
	}
}
