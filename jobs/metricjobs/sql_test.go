package metricjobs

import (
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
