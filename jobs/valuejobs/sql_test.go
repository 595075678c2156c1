package valuejobs

import (
	"slices"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestValueSQL: every file of sql/value renders, names exactly the tables
// listed here, and only tables each job running it declares (stats runs
// in both jobs; the cohort attributes, the region lookup and the cohort
// scratch in cohorts; the customer_state reads in rfm). The statements
// with data put it where the files say.
func TestValueSQL(t *testing.T) {
	cohorts, rfmJob := CohortsJob(&config.Config{}), RFMJob(&config.Config{})
	cohortTables := append(slices.Clone(cohorts.Reads), cohorts.Writes...)
	rfmTables := append(slices.Clone(rfmJob.Reads), rfmJob.Writes...)
	d := warehouse.SQLOf(nil)
	purchase := struct{ Purchase string }{"net_amount >= 5"}
	cases := []struct {
		name   string
		data   any
		tables []string
		jobs   [][]string
	}{
		{"cohort_customers", struct{ Purchase, Where, First, FirstCols, FirstCat, Lines, Customers string }{"net_amount >= 5", "", "f1", "f2", "f3", "SELECT 1", "SELECT 2"},
			[]string{"orders", "products"}, [][]string{cohortTables}},
		{"raw_lines", nil, []string{"kept_order_lines"}, [][]string{cohortTables}},
		{"view_lines", nil, []string{"order_lines"}, [][]string{cohortTables}},
		{"stats", purchase, []string{"orders"}, [][]string{cohortTables, rfmTables}},
		{"customers_probe", nil, []string{"customers"}, [][]string{cohortTables}},
		{"no_regions", nil, nil, nil},
		{"regions", nil, []string{"customers"}, [][]string{cohortTables}},
		{"rfm_state_meta", nil, []string{"customer_changes", "customer_state", "customer_state_meta"}, [][]string{rfmTables}},
		{"rfm_summaries", purchase, []string{"customer_state", "orders"}, [][]string{rfmTables}},
		{"touched_clear", nil, []string{"cohort_touched"}, [][]string{cohortTables}},
		{"touched_count", nil, []string{"cohort_touched"}, [][]string{cohortTables}},
		{"touched_only", nil, []string{"cohort_touched"}, [][]string{cohortTables}},
		{"mart_clear", nil, []string{MartCohorts}, [][]string{cohortTables}},
		{"mart_count", nil, []string{MartCohorts}, [][]string{cohortTables}},
	}
	var names []string
	for _, c := range cases {
		names = append(names, c.name)
		t.Run(c.name, func(t *testing.T) {
			valueStatement(d, c.name, c.data) // panics on a broken file
			if got := valueSQL.Tables(c.name); !slices.Equal(got, c.tables) {
				t.Errorf("tables %v, want %v", got, c.tables)
			}
			for _, declared := range c.jobs {
				if u := valueSQL.Undeclared(c.name, declared); len(u) > 0 {
					t.Errorf("names tables its job does not declare: %v (declared %v)", u, declared)
				}
			}
		})
	}
	slices.Sort(names)
	if got := valueSQL.Names(); !slices.Equal(got, names) {
		t.Errorf("sql/value holds %v, the test lists %v", got, names)
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	q := flat(cohortCustomersSQL(d, 5, "AND x", "SELECT lines", "SELECT regions"))
	for _, want := range []string{
		"order_ts < CAST(? AS TIMESTAMPTZ) AND units > 0 AND net_amount >= 5 AND",
		"JOIN (SELECT lines) AS l ON l.channel = f.first_channel",
		"), c AS (SELECT regions) SELECT f.customer_ix",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("cohortCustomersSQL does not hold %q:\n%s", want, q)
		}
	}
	if !strings.Contains(q, " AND x ), f AS (") {
		t.Errorf("cohortCustomersSQL does not narrow the purchases with where:\n%s", q)
	}
	if got := flat(statsSQL(0)); !strings.Contains(got, "NOT coalesce(") || !strings.HasSuffix(got, "FROM orders WHERE order_ts < CAST(? AS TIMESTAMPTZ)") {
		t.Errorf("statsSQL = %s", got)
	}
}
