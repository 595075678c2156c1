package publish

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// mustFactsSQL is factsSQL for tests.
func mustFactsSQL(t *testing.T, d warehouse.SQL, regions map[string][]string, from, to time.Time) string {
	t.Helper()
	q, err := factsSQL(d, regions, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestSQLFilesDeclared: every table a file of sql/ names is one the publish
// job declares (Reads, MayRead or Writes), so the graph runs its writers
// first; of the fixed files only the delivery log's record.sql and
// load_events_clear.sql write (the job's own tables), a card query nothing.
func TestSQLFilesDeclared(t *testing.T) {
	declared := append(append(slices.Clone(reads), mayRead...), writes...)
	files := 0
	for set, s := range sqlFileSets {
		for _, name := range s.Names() {
			files++
			if u := s.Undeclared(name, declared); len(u) > 0 {
				t.Errorf("sql/%s/%s.sql names %v, which the publish job does not declare", set, name, u)
			}
		}
	}
	// Each fixed file is rendered whole at start; a write is only where
	// the job means one.
	for set, m := range map[string]map[string]string{"cards": cardSQL, "mail": mailSQL} {
		for name, q := range m {
			_, w := sqlfile.Scan(q)
			want := map[string][]string{"mail/record": {"mail_deliveries"}, "cards/load_events_clear": {"publish_load_events"}}[set+"/"+name]
			if !slices.Equal(w, want) {
				t.Errorf("sql/%s/%s.sql writes %v, want %v", set, name, w, want)
			}
		}
	}
	if files < 40 {
		t.Errorf("%d SQL files found, want the publish job's 40 or more", files)
	}
}

// TestSQLFilesRender: every period file renders for a regional and an
// unfiltered scorecard, with its pieces (periods, region argument,
// dialect expressions) in place and no template text left.
func TestSQLFilesRender(t *testing.T) {
	d := warehouse.SQLOf(nil)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	asOf := time.Date(2025, 12, 15, 0, 0, 0, 0, sh)
	cur, prev := Periods(asOf)
	for _, region := range []string{"", "华东"} {
		b := &builder{cur: cur, prev: prev, region: region, regions: map[string][]string{"华东": {"上海", "Zhejiang"}}, purchase: "(TRUE)"}
		data := b.data()
		data.From, data.To = warehouse.TimestampLiteral(d, prev.From), warehouse.TimestampLiteral(d, cur.To)
		data.Provinces, data.RegionOfAlias = provinces(d, b.regions), d.ArgMax("pm.region", "length(pm.alias)")
		data.Orders, data.Month, data.Minutes, data.MedianMinutes, data.MedianCurMinutes = "orders", "'m'", "1", "2", "3"
		data.CurrentRows, data.Table, data.Column, data.Cols = "SELECT 'l' AS load_id, 1 AS current_rows", "raw_order_lines", "x", []string{"order_ts"}
		for _, name := range periodFiles.Names() {
			q, err := periodFiles.Render(name, d, data)
			if err != nil {
				t.Errorf("region %q: %s: %v", region, name, err)
				continue
			}
			if strings.Contains(q, "{{") || strings.Contains(q, "<no value>") {
				t.Errorf("region %q: %s renders template text: %s", region, name, q)
			}
			if strings.Contains(q, "region = ?") != (region != "" && slices.Contains([]string{"period_kpis", "customer_kpis", "mix", "channel_share", "by_channel", "by_region", "by_store", "credit_totals", "credit_detail", "yoy_figures", "clv_deciles"}, name)) {
				t.Errorf("region %q: %s: region argument present = %v", region, name, strings.Contains(q, "region = ?"))
			}
		}
		src, err := b.ordersSource(prev.From, cur.To)
		if err != nil {
			t.Fatal(err)
		}
		if (src == "orders") != (region == "") || (region != "" && !strings.Contains(src, "'zhejiang' AS alias")) {
			t.Errorf("region %q: orders source %s", region, src)
		}
	}
}
