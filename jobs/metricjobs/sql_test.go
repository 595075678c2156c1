package metricjobs

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestMetricSQLRenders pins the files rendered in Go code outside sql() and
// monthSQL: their text on DuckDB and the tables they name, which profit
// (the only job running the profit_touched files) must declare.
func TestMetricSQLRenders(t *testing.T) {
	d := warehouse.SQLOf(nil)
	profit := newJob(JobProfit, nil)
	for _, c := range []struct {
		name   string
		data   any
		want   string
		tables []string
	}{
		{"cancelled_status", struct{ Statuses string }{"'cancelled', 'void'"},
			"CASE WHEN lower(status) IN ('cancelled', 'void') THEN status END", nil},
		{"month_base_rows", struct{ Mart string }{"sales"},
			"SELECT count(*) FROM sales WHERE as_of = CAST(? AS DATE)", nil},
		{"profit_order_skip", struct{ AsOfPeriod string }{"'2026-01'"}, "level = 'order' AND period <> '2026-01'", nil},
		{"profit_touched_clear", nil, "DELETE FROM profit_touched WHERE true", []string{"profit_touched"}},
		{"profit_touched_customers", nil, "SELECT customer_id FROM profit_touched", []string{"profit_touched"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := mustRender(c.name, d, c.data); got != c.want {
				t.Errorf("rendered %q, want %q", got, c.want)
			}
			if got := queries.Tables(c.name); !slices.Equal(got, c.tables) {
				t.Errorf("tables %v, want %v", got, c.tables)
			}
			for _, tb := range c.tables {
				if !slices.Contains(profit.Reads, tb) || !slices.Contains(profit.Writes, tb) {
					t.Errorf("profit does not declare %s in Reads %v and Writes %v", tb, profit.Reads, profit.Writes)
				}
			}
		})
	}
}

// TestCampaignPrintsSeeTwinContacts: contacts have no key, and one
// customer reached twice at one send time (by phone and by email) is two
// equal rows. A merge that moves both to another customer must change the
// campaign's print (so the nightly recomputes it rather than copying its
// row); equal rows must not cancel. Another campaign's print stays.
func TestCampaignPrintsSeeTwinContacts(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	db := wh.DB()
	if _, err := db.Exec(`CREATE TABLE campaign_contacts (campaign_id VARCHAR, contact_group VARCHAR, contacted_ts TIMESTAMPTZ, customer_id VARCHAR);
		INSERT INTO campaign_contacts VALUES
			('K', 'target', TIMESTAMPTZ '2025-03-20 10:00:00+00', 'X'), ('K', 'target', TIMESTAMPTZ '2025-03-20 10:00:00+00', 'X'),
			('K2', 'target', TIMESTAMPTZ '2025-03-21 10:00:00+00', 'Z')`); err != nil {
		t.Fatal(err)
	}
	q := mustRender("campaign_prints", warehouse.SQLOf(wh.Dialect()), nil)
	prints := func() map[string]string {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[string]string{}
		for rows.Next() {
			var k, p string
			if err := rows.Scan(&k, &p); err != nil {
				t.Fatal(err)
			}
			m[k] = p
		}
		return m
	}
	before := prints()
	if _, err := db.Exec(`UPDATE campaign_contacts SET customer_id = 'Y' WHERE customer_id = 'X'`); err != nil {
		t.Fatal(err)
	}
	after := prints()
	if len(before) != 2 || before["K"] == after["K"] {
		t.Errorf("K's print did not change when its twin contacts moved from X to Y: %v -> %v", before, after)
	}
	if before["K2"] != after["K2"] {
		t.Errorf("K2's print changed: %q -> %q", before["K2"], after["K2"])
	}
}
