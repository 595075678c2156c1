package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// changeRows reads core_changes as "seq|everything|customer|order_ts"
// rows (order_ts in UTC, "-" for NULL), sorted, duplicates kept.
func changeRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT seq, everything, customer_id, order_ts FROM core_changes`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var seq int64
		var every bool
		var cust sql.NullString
		var ts sql.NullTime
		if err := rows.Scan(&seq, &every, &cust, &ts); err != nil {
			t.Fatal(err)
		}
		c, s := "-", "-"
		if cust.Valid {
			c = cust.String
		}
		if ts.Valid {
			s = ts.Time.UTC().Format("2006-01-02 15:04")
		}
		out = append(out, fmt.Sprintf("%d|%v|%s|%s", seq, every, c, s))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// changesString is the part of Changes a case compares.
func changesString(c Changes) string {
	if c.Everything {
		return fmt.Sprintf("%d..%d everything: %s", c.From, c.To, c.Reason)
	}
	return fmt.Sprintf("%d..%d customers %d months %s", c.From, c.To, c.Customers, strings.Join(c.Months, ","))
}

// TestChangeLog walks core through hand-worked steps (first build, a new
// order, a re-export moving an order to another month, a merge moving an
// order to another customer, a run with nothing new, a full rebuild) and
// checks after each the exact rows of core_changes and what ChangesSince
// returns to two consumers with different watermarks (and, for one step,
// in two time zones: an order at 20:00 UTC on 31 January is February in
// Shanghai).
func TestChangeLog(t *testing.T) {
	ctx := context.Background()
	wh := testWH(t)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	load := func(id string, n int, rows string) string {
		return fmt.Sprintf(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at)
			VALUES ('%[1]s', 's', '%[1]s.csv', '%[1]s', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00' + INTERVAL %[2]d HOUR);
			INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, status, sku, qty, unit_price, paid_amount, refund_amount) VALUES %[3]s`,
			id, n, rows)
	}
	type ask struct {
		job, hash string
		loc       *time.Location
		want      string
		custs     string // what CustomersSQL selects, sorted ("" unchecked)
		set       bool   // record the watermark at Changes.To afterwards
	}
	steps := []struct {
		name     string
		change   []string
		rebuild  bool
		wantFull bool
		rows     []string
		asks     []ask
	}{
		{
			name: "first build",
			change: []string{load("L1", 1, `('L1', 2, 'jd', 'A', TIMESTAMPTZ '2025-01-10 08:00:00+00', 'paid', 'X', 1, 10, 10, 0),
				('L1', 3, 'jd', 'B', TIMESTAMPTZ '2025-01-31 20:00:00+00', 'paid', 'X', 1, 20, 20, 0)`),
				`INSERT INTO identity_assignments VALUES ('order_lines', 'jd:A', 'C1'), ('order_lines', 'jd:B', 'C2')`},
			wantFull: true,
			rows:     []string{"1|true|-|-"},
			asks:     []ask{{job: "x", hash: "h", want: "0..1 everything: no watermark for x", set: true}},
		},
		{
			name: "new order",
			change: []string{load("L2", 2, `('L2', 2, 'pos', 'C', TIMESTAMPTZ '2025-02-05 03:00:00+00', 'paid', 'X', 1, 30, 30, 0)`),
				`INSERT INTO identity_assignments VALUES ('order_lines', 'pos:C', 'C3')`},
			// x's watermark (1) prunes the rows up to 1.
			rows: []string{"2|false|-|2025-02-05 03:00", "2|false|C3|-"},
			asks: []ask{
				{job: "x", hash: "h", want: "1..2 customers 1 months 2025-02"},
				{job: "y", hash: "h", want: "0..2 everything: no watermark for y", set: true},
			},
		},
		{
			name:   "re-export moves an order to March",
			change: []string{load("L3", 3, `('L3', 2, 'jd', 'A', TIMESTAMPTZ '2025-03-02 08:00:00+00', 'refunded', 'X', 1, 10, 10, 10)`)},
			// before (January) and after (March); the customer twice.
			rows: []string{"2|false|-|2025-02-05 03:00", "2|false|C3|-",
				"3|false|-|2025-01-10 08:00", "3|false|-|2025-03-02 08:00", "3|false|C1|-", "3|false|C1|-"},
			asks: []ask{
				{job: "y", hash: "h", want: "2..3 customers 1 months 2025-01,2025-03", set: true},
			},
		},
		{
			name:   "merge moves order B from C2 to C1",
			change: []string{`UPDATE identity_assignments SET customer_id = 'C1' WHERE rec_key = 'jd:B'`},
			rows: []string{"2|false|-|2025-02-05 03:00", "2|false|C3|-",
				"3|false|-|2025-01-10 08:00", "3|false|-|2025-03-02 08:00", "3|false|C1|-", "3|false|C1|-",
				"4|false|-|2025-01-31 20:00", "4|false|C1|-", "4|false|C2|-"},
			asks: []ask{
				{job: "x", hash: "h", want: "1..4 customers 3 months 2025-01,2025-02,2025-03", custs: "C1,C2,C3"},
				{job: "y", hash: "h", want: "3..4 customers 2 months 2025-01", custs: "C1,C2"},
				{job: "y", hash: "h", loc: shanghai, want: "3..4 customers 2 months 2025-02", set: true},
				{job: "x", hash: "h", loc: shanghai, want: "1..4 customers 3 months 2025-01,2025-02,2025-03", set: true},
			},
		},
		{
			name: "nothing new",
			rows: nil, // both watermarks at 4 prune every row
			asks: []ask{
				{job: "x", hash: "h", want: "4..5 customers 0 months "},
				{job: "x", hash: "h2", want: "4..5 everything: the job's settings changed since its last run"},
			},
		},
		{
			name:     "full rebuild",
			rebuild:  true,
			wantFull: true,
			rows:     []string{"6|true|-|-"},
			asks: []ask{
				{job: "x", hash: "h", want: "4..6 everything: core was rebuilt"},
				{job: "y", hash: "h", want: "4..6 everything: core was rebuilt"},
			},
		},
	}
	for _, st := range steps {
		for _, q := range st.change {
			if err := wh.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		if st.rebuild {
			if _, err := BuildCore(ctx, wh); err != nil {
				t.Fatal(err)
			}
		} else {
			up, err := UpdateCore(ctx, wh)
			if err != nil {
				t.Fatal(err)
			}
			if up.Full != st.wantFull {
				t.Fatalf("%s: full %v (%s), want %v", st.name, up.Full, up.Reason, st.wantFull)
			}
		}
		if got := changeRows(t, wh.DB()); !slices.Equal(got, st.rows) {
			t.Errorf("%s: core_changes\n%s\nwant\n%s", st.name, strings.Join(got, "\n"), strings.Join(st.rows, "\n"))
		}
		for _, a := range st.asks {
			loc := a.loc
			if loc == nil {
				loc = time.UTC
			}
			c, err := ChangesSince(ctx, wh, a.job, a.hash, loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := changesString(c); got != a.want {
				t.Errorf("%s: ChangesSince(%s, %s, %s) = %q, want %q", st.name, a.job, a.hash, loc, got, a.want)
			}
			if a.custs != "" {
				var ids []string
				rows, err := wh.DB().Query(c.CustomersSQL() + " ORDER BY 1")
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id string
					if err := rows.Scan(&id); err != nil {
						t.Fatal(err)
					}
					ids = append(ids, id)
				}
				rows.Close()
				if got := strings.Join(ids, ","); got != a.custs {
					t.Errorf("%s: CustomersSQL of %s selects %s, want %s", st.name, a.job, got, a.custs)
				}
			}
			if a.set {
				if err := SetWatermark(ctx, wh, a.job, c.To, a.hash, time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	w, ok, err := ReadWatermark(ctx, wh, "x")
	if err != nil || !ok || w.Seq != 4 || w.ConfigHash != "h" || w.AsOf.Format(time.DateOnly) != "2025-03-02" {
		t.Errorf("watermark of x = %+v, %v (%v), want seq 4, hash h, as of 2025-03-02", w, ok, err)
	}
}

// TestChangesSinceWithoutLog: a warehouse whose core never ran has no
// change log; every consumer recomputes in full.
func TestChangesSinceWithoutLog(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.OpenDuckDB(t.TempDir()+"/w.duckdb", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	c, err := ChangesSince(ctx, wh, "x", "h", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "0..0 everything: no core_changes yet (core has not run since the change log was added)"; changesString(c) != want {
		t.Errorf("got %q, want %q", changesString(c), want)
	}
}

// TestIncrementalSince checks the base checks every incremental consumer
// shares, in their order, on a log with one full core run (seq 1) and one
// incremental run that changed nothing (seq 2); consumer "m" is at seq 1
// as of 2025-03-02 and "z" at seq 1 without an as-of date.
func TestIncrementalSince(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.OpenDuckDB(t.TempDir()+"/w.duckdb", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	for _, full := range []bool{true, false} {
		if err := wh.InTx(ctx, func(tx warehouse.Tx) error { _, err := beginChanges(ctx, tx, full); return err }); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)
	if err := SetWatermark(ctx, wh, "m", 1, "h", base); err != nil {
		t.Fatal(err)
	}
	if err := SetWatermark(ctx, wh, "z", 1, "h", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := wh.Exec(ctx, `CREATE TABLE kept (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	march := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name, job, hash string
		asOf            time.Time
		base            Base
		want            string
	}{
		{"no watermark", "new", "h", march(3), Base{}, "0..2 everything: no watermark for new"},
		{"settings changed before a missing table", "m", "other", march(3), Base{Tables: []string{"gone"}}, "1..2 everything: the job's settings changed since its last run"},
		{"missing table", "m", "h", march(3), Base{Tables: []string{"kept", "gone"}}, "1..2 everything: no gone yet"},
		{"kept table", "m", "h", march(3), Base{Tables: []string{"kept"}, AsOfNeeded: true, Forward: true}, "1..2 customers 0 months "},
		{"no as-of date", "z", "h", march(3), Base{AsOfNeeded: true}, "1..2 everything: the watermark has no as-of date"},
		{"no as-of date, not needed", "z", "h", march(3), Base{Forward: true}, "1..2 customers 0 months "},
		{"moved back", "m", "h", march(1), Base{Forward: true}, "1..2 everything: the as-of date moved back from 2025-03-02"},
		{"moved back, allowed", "m", "h", march(1), Base{AsOfNeeded: true}, "1..2 customers 0 months "},
		{"same day in another zone", "m", "h", time.Date(2025, 3, 2, 23, 0, 0, 0, time.FixedZone("CST", 8*3600)), Base{Forward: true}, "1..2 customers 0 months "},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch, err := IncrementalSince(ctx, wh, c.job, c.hash, time.UTC, c.asOf, c.base)
			if err != nil {
				t.Fatal(err)
			}
			if got := changesString(ch); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
