package metricjobs

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestAsofWindowBound: the as-of window moves from 2025-03-10 to
// 2025-03-11 (UTC), so the window is 2025-03-11 00:00 to 2025-03-12 00:00.
// Its scans are bounded by the window's start only when every order with
// a line in it has its first line in it too (orders.order_ts); the
// bounded query must give the rows the unbounded one gives, worked out by
// hand here: the times of the window orders' lines up to the end of the
// as-of day, and their customers.
func TestAsofWindowBound(t *testing.T) {
	// Every case has old order O1 (2025-01-05, customer C1) and window
	// order W1 (two lines on 2025-03-11, customer C2).
	base := `INSERT INTO raw_order_lines VALUES ('pos', 'O1', TIMESTAMPTZ '2025-01-05 09:00:00+00'),
			('pos', 'W1', TIMESTAMPTZ '2025-03-11 09:00:00+00'), ('pos', 'W1', TIMESTAMPTZ '2025-03-11 09:30:00+00');
		INSERT INTO orders VALUES ('pos', 'O1', TIMESTAMPTZ '2025-01-05 09:00:00+00', 'C1'),
			('pos', 'W1', TIMESTAMPTZ '2025-03-11 09:00:00+00', 'C2');`
	for _, c := range []struct {
		name    string
		extra   string
		bounded bool
		want    []string // order_ts or customer_id of each row, sorted
	}{
		{"every window order starts in the window", ``, true,
			[]string{"2025-03-11 09:00", "2025-03-11 09:30", "C2"}},
		{"an order the window shows has a line a month earlier",
			`INSERT INTO raw_order_lines VALUES ('tmall', 'W2', TIMESTAMPTZ '2025-02-07 12:00:00+00'), ('tmall', 'W2', TIMESTAMPTZ '2025-03-11 12:00:00+00');
			INSERT INTO orders VALUES ('tmall', 'W2', TIMESTAMPTZ '2025-02-07 12:00:00+00', 'C3');`, false,
			[]string{"2025-02-07 12:00", "2025-03-11 09:00", "2025-03-11 09:30", "2025-03-11 12:00", "C2", "C3"}},
		{"a window order orders does not hold",
			`INSERT INTO raw_order_lines VALUES ('tmall', 'W3', TIMESTAMPTZ '2025-03-11 13:00:00+00');`, false,
			[]string{"2025-03-11 09:00", "2025-03-11 09:30", "2025-03-11 13:00", "C2"}},
		{"an order without a channel starts in the window",
			`INSERT INTO raw_order_lines VALUES (NULL, 'W4', TIMESTAMPTZ '2025-03-11 14:00:00+00');
			INSERT INTO orders VALUES (NULL, 'W4', TIMESTAMPTZ '2025-03-11 14:00:00+00', 'C4');`, true,
			[]string{"2025-03-11 09:00", "2025-03-11 09:30", "2025-03-11 14:00", "C2", "C4"}},
		{"a line after the as-of day is not a row", // and its order still starts in the window
			`INSERT INTO raw_order_lines VALUES ('pos', 'W1', TIMESTAMPTZ '2025-03-12 08:00:00+00');`, true,
			[]string{"2025-03-11 09:00", "2025-03-11 09:30", "C2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), warehouse.DuckDBOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			if _, err := wh.DB().Exec(`CREATE TABLE raw_order_lines (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ);
				CREATE VIEW kept_order_lines AS SELECT * FROM raw_order_lines;
				CREATE TABLE orders (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, customer_id VARCHAR);` + base + c.extra); err != nil {
				t.Fatal(err)
			}
			asOf := time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
			r, err := newRun(ctx, &jobs.Env{Cfg: &config.Config{}, WH: wh, Job: JobSales, AsOf: asOf}, JobSales)
			if err != nil {
				t.Fatal(err)
			}
			win := monthArgs{From: tsLiteral(wh, asOf), To: tsLiteral(wh, asOf.AddDate(0, 0, 1))}
			plain, err := r.monthSQL("asof_window", win)
			if err != nil {
				t.Fatal(err)
			}
			bounded, err := r.asofWindowBounded(win)
			if err != nil {
				t.Fatal(err)
			}
			if (bounded != "") != c.bounded {
				t.Fatalf("bounded = %v, want %v", bounded != "", c.bounded)
			}
			if c.bounded && !strings.Contains(bounded, "l.order_ts >= "+win.From) {
				t.Fatalf("the bounded query does not bound the lines by the window's start:\n%s", bounded)
			}
			for _, q := range []string{plain, bounded} {
				if q == "" {
					continue
				}
				if got := windowRowsOf(t, wh, q); !slices.Equal(got, c.want) {
					t.Errorf("rows %v, want %v\n%s", got, c.want, q)
				}
			}
		})
	}
}

// windowRowsOf runs an asof_window query and lists each row as its time
// (UTC, to the minute) or its customer, sorted.
func windowRowsOf(t *testing.T, wh *warehouse.DuckDB, q string) []string {
	t.Helper()
	rows, err := wh.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ts *time.Time
		var c *string
		if err := rows.Scan(&ts, &c); err != nil {
			t.Fatal(err)
		}
		switch {
		case ts != nil:
			out = append(out, ts.UTC().Format("2006-01-02 15:04"))
		case c != nil:
			out = append(out, *c)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
