package valuejobs

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

const (
	testTZ   = "Asia/Shanghai"
	testAsOf = "2024-06-20"
)

// genSQL builds the core tables, over 18
// months (2023-01 .. 2024-06), deterministically from hash():
//   - 40 products (SKU0 has no category; lines also use SKU40/SKU41, which
//     are not in products), six categories including a Chinese one;
//   - {customers} customers (3,000 in the tests) C0000000.., of which the
//     last 10 are missing from the customers table; regions include NULL,
//     empty strings and Chinese names;
//   - 1..6 orders per customer, some after the as-of day, about 1 in 12
//     snapped to the first instant of a local month and 1 in 12 to the last
//     second before it (the UTC date is then in the other month), 1 in 13
//     fully refunded (net 0), 1 in 17 half refunded;
//   - for every 97th customer a second order at the same instant as the
//     first on another channel (the first channel is decided by the tie
//     rule);
//   - {customers}/8 + 25 anonymous orders (customer_id NULL; 400 in the tests);
//   - 1..3 lines per order with amounts that often tie.
var genSQL = []string{
	`CREATE TABLE products AS SELECT 'SKU' || i AS sku, 'P' || i AS product_name,
		CASE WHEN i = 0 THEN NULL ELSE ['服装', 'shoes', 'bags', 'beauty', 'home', 'toys'][1 + i % 6] END AS category,
		'B' AS brand, 1.0 AS unit_cost, 10.0 AS list_price
	FROM range(40) t(i)`,
	`CREATE TABLE customers AS SELECT 'C' || lpad(i::VARCHAR, 7, '0') AS customer_id,
		CASE hash(i, 'region') % 7 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE ['华东', '华南', 'north', 'west', 'central'][1 + (hash(i, 'r2') % 5)::BIGINT] END AS region,
		'pos' AS first_channel
	FROM range({customers} - 10) t(i)`,
	`CREATE TABLE hdr AS
	WITH c AS (
		SELECT i, (1 + hash(i, 'n') % 6)::BIGINT AS n,
			(hash(i, 'acq') % (86400 * 536))::BIGINT AS acq -- seconds from 2023-01-01 to 2024-06-20 local
		FROM range({customers}) t(i)
	), o AS (SELECT i, acq, unnest(range(n)) AS j FROM c),
	t AS (
		SELECT i, j,
			TIMESTAMPTZ '2023-01-01 00:00:00+08' + to_seconds(CASE WHEN j = 0 THEN acq ELSE acq + (hash(i, j, 'ts') % (86400 * 551 - acq))::BIGINT END) AS ts0
		FROM o
	)
	SELECT i, j, 'C' || lpad(i::VARCHAR, 7, '0') AS customer_id, 'O' || i || '-' || j AS order_id,
		['tmall', 'jd', 'shopify', 'pos'][1 + (hash(i, j, 'ch') % 4)::BIGINT] AS channel,
		CASE hash(i, j, 'edge') % 12
			WHEN 0 THEN timezone('` + testTZ + `', date_trunc('month', timezone('` + testTZ + `', ts0)))
			WHEN 1 THEN timezone('` + testTZ + `', date_trunc('month', timezone('` + testTZ + `', ts0))) - INTERVAL 1 SECOND
			ELSE ts0 END AS order_ts,
		CASE WHEN hash(i, j, 'ref') % 13 = 0 THEN 1.0 WHEN hash(i, j, 'ref') % 17 = 0 THEN 0.5 ELSE 0.0 END AS refund_share
	FROM t`,
	// Ties: a same-instant first order on another channel.
	`INSERT INTO hdr SELECT i, 99, customer_id, order_id || '-tie', CASE WHEN channel = 'jd' THEN 'tmall' ELSE 'jd' END, order_ts, 0.0
	FROM hdr WHERE j = 0 AND i % 97 = 0`,
	// Anonymous receipts.
	`INSERT INTO hdr SELECT 100000 + i, 0, NULL, 'A' || i, 'pos',
		TIMESTAMPTZ '2023-01-01 00:00:00+08' + to_seconds((hash(i, 'anon') % (86400 * 551))::BIGINT), 0.0
	FROM range({customers} // 8 + 25) t(i)`,
	`CREATE TABLE order_lines AS
	WITH l AS (SELECT h.*, unnest(range((1 + hash(i, j, 'lines') % 3)::BIGINT)) AS ln FROM hdr h)
	SELECT channel, order_id, NULL::VARCHAR AS store_id, order_ts, 'paid' AS status,
		'SKU' || hash(i, j, ln, 'sku') % 42 AS sku, 1 AS qty,
		(1 + hash(i, j, ln, 'amt') % 8) * 12.5 AS unit_price, 0.0 AS discount,
		(1 + hash(i, j, ln, 'amt') % 8) * 12.5 AS paid_amount,
		(1 + hash(i, j, ln, 'amt') % 8) * 12.5 * refund_share AS refund_amount,
		(1 + hash(i, j, ln, 'amt') % 8) * 12.5 * (1 - refund_share) AS net_amount,
		customer_id
	FROM l`,
	// As the core job builds it.
	`CREATE TABLE orders AS
	SELECT channel, order_id, min(order_ts) AS order_ts, any_value(customer_id) AS customer_id, any_value(store_id) AS store_id,
		any_value(status) AS status, count(*) AS lines, sum(qty) AS units, sum(qty * unit_price) AS gross_amount, sum(discount) AS discount,
		sum(paid_amount) AS paid_amount, sum(refund_amount) AS refund_amount, sum(net_amount) AS net_amount
	FROM order_lines GROUP BY channel, order_id`,
	`DROP TABLE hdr`,
}

// refCohortSQL is the cohort matrix in plain SQL, written independently of
// the job (window functions instead of arg_min, month numbers from DuckDB's
// own time zone conversion).
const refCohortSQL = `
WITH purch AS (
	SELECT customer_id, channel, order_id, order_ts, net_amount,
		year(timezone('{tz}', order_ts)) * 12 + month(timezone('{tz}', order_ts)) - 1 AS mnum
	FROM orders
	WHERE customer_id IS NOT NULL AND net_amount > 0 AND order_ts < timezone('{tz}', (DATE '{asof}' + 1)::TIMESTAMP)
), firsts AS (
	SELECT customer_id, channel AS first_channel, order_id AS first_order, mnum AS cohort
	FROM (SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY order_ts, channel, order_id) AS rn FROM purch)
	WHERE rn = 1
), firstcat AS (
	SELECT customer_id, category FROM (
		SELECT f.customer_id, pr.category,
			row_number() OVER (PARTITION BY f.customer_id ORDER BY l.net_amount DESC, pr.category) AS rn
		FROM firsts f
		JOIN order_lines l ON l.channel = f.first_channel AND l.order_id = f.first_order
		JOIN products pr ON pr.sku = l.sku
		WHERE coalesce(pr.category, '') <> '')
	WHERE rn = 1
), attrs AS (
	SELECT f.customer_id, f.cohort, f.first_channel,
		coalesce(nullif(c.region, ''), 'unknown') AS region, coalesce(fc.category, 'unknown') AS first_category
	FROM firsts f LEFT JOIN customers c USING (customer_id) LEFT JOIN firstcat fc USING (customer_id)
), long AS (
	SELECT customer_id, cohort, 'all' AS dimension, 'all' AS dimension_value FROM attrs
	UNION ALL SELECT customer_id, cohort, 'first_channel', first_channel FROM attrs
	UNION ALL SELECT customer_id, cohort, 'region', region FROM attrs
	UNION ALL SELECT customer_id, cohort, 'first_category', first_category FROM attrs
), sizes AS (
	SELECT dimension, dimension_value, cohort, count(*) AS cohort_size FROM long GROUP BY ALL
), grid AS (
	SELECT *, unnest(range(0, (year(DATE '{asof}') * 12 + month(DATE '{asof}') - 1) - cohort + 1)) AS months_since FROM sizes
), act AS (
	SELECT l.dimension, l.dimension_value, l.cohort, p.mnum - l.cohort AS months_since,
		count(DISTINCT p.customer_id) AS active, sum(p.net_amount) AS revenue
	FROM long l JOIN purch p USING (customer_id) GROUP BY ALL
)
SELECT g.dimension, g.dimension_value, printf('%04d-%02d', g.cohort // 12, g.cohort % 12 + 1) AS cohort_month,
	g.months_since, g.cohort_size, coalesce(a.active, 0) AS active,
	100.0 * coalesce(a.active, 0) / g.cohort_size AS retention_pct, coalesce(a.revenue, 0) AS revenue,
	sum(coalesce(a.revenue, 0)) OVER (PARTITION BY g.dimension, g.dimension_value, g.cohort ORDER BY g.months_since) / g.cohort_size AS cum
FROM grid g LEFT JOIN act a USING (dimension, dimension_value, cohort, months_since)`

// refRFMSQL is RFM in plain SQL: scores 1 + ⌊5·(rank − 1)/N⌋ with rank()
// over the value oriented best-last, so ties share the lower score.
const refRFMSQL = `
WITH p AS (
	SELECT customer_id, order_ts, net_amount FROM orders
	WHERE customer_id IS NOT NULL AND net_amount > 0 AND order_ts < timezone('{tz}', (DATE '{asof}' + 1)::TIMESTAMP)
), a AS (
	SELECT customer_id,
		date_diff('day', max(CAST(timezone('{tz}', order_ts) AS DATE)), DATE '{asof}') AS recency_days,
		count(*) FILTER (WHERE order_ts >= timezone('{tz}', (DATE '{asof}' + 1 - 365)::TIMESTAMP)) AS frequency,
		round(coalesce(sum(net_amount) FILTER (WHERE order_ts >= timezone('{tz}', (DATE '{asof}' + 1 - 365)::TIMESTAMP)), 0), 2) AS monetary
	FROM p GROUP BY customer_id
), s AS (
	SELECT *,
		1 + (5 * (rank() OVER (ORDER BY -recency_days) - 1)) // count(*) OVER () AS r,
		1 + (5 * (rank() OVER (ORDER BY frequency) - 1)) // count(*) OVER () AS f,
		1 + (5 * (rank() OVER (ORDER BY monetary) - 1)) // count(*) OVER () AS m
	FROM a
)
SELECT customer_id, recency_days, frequency, monetary, r, f, m, r + f + m AS score,
	CASE WHEN r <= {dormant} THEN 'dormant' WHEN r + f + m >= {hv} THEN 'high_value' ELSE 'active' END AS tier,
	CASE WHEN r <= {dormant} THEN 'reactivate' WHEN r + f + m >= {hv} THEN 'deepen' ELSE 'maintain' END AS action
FROM s`

func fill(q string, kv ...string) string {
	return strings.NewReplacer(kv...).Replace(q)
}

type fixture struct {
	wh  *warehouse.DuckDB
	db  *sql.DB
	cfg *config.Config
}

func newFixture(t testing.TB, customers int) *fixture {
	t.Helper()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.DuckDBOptions{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	for _, q := range genSQL {
		q = strings.ReplaceAll(q, "{customers}", fmt.Sprint(customers))
		if _, err := wh.DB().Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	loc, err := time.LoadLocation(testTZ)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Timezone: testTZ, Location: loc, AsOf: testAsOf}
	cfg.Models.RFM = config.RFM{HighValueMin: 12, DormantRecencyMax: 2}
	return &fixture{wh: wh, db: wh.DB(), cfg: cfg}
}

func (f *fixture) run(t testing.TB, job *jobs.Job, asOf string) jobs.Result {
	t.Helper()
	env := &jobs.Env{Cfg: f.cfg, WH: f.wh}
	if asOf != "" {
		d, err := time.ParseInLocation("2006-01-02", asOf, f.cfg.Location)
		if err != nil {
			t.Fatal(err)
		}
		env.AsOf = d
	}
	res, err := job.Run(context.Background(), env)
	if err != nil {
		t.Fatalf("%s: %v", job.Name, err)
	}
	return res
}

func (f *fixture) count(t testing.TB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	return n
}

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

type cellKey struct {
	dim, val, month string
	k               int
}

type cellVal struct {
	size, active  int64
	ret, rev, cum float64
}

func (f *fixture) cells(t *testing.T, q string) map[cellKey]cellVal {
	t.Helper()
	rows, err := f.db.Query(q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	out := map[cellKey]cellVal{}
	for rows.Next() {
		var k cellKey
		var v cellVal
		if err := rows.Scan(&k.dim, &k.val, &k.month, &k.k, &v.size, &v.active, &v.ret, &v.rev, &v.cum); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[k]; dup {
			t.Fatalf("duplicate cell %+v", k)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCohortsMatchSQL compares the cohort_retention mart with the plain SQL
// matrix cell by cell, for all four dimensions: the same set of cells,
// equal counts, and money equal up to floating-point summation order.
func TestCohortsMatchSQL(t *testing.T) {
	f := newFixture(t, 3000)
	res := f.run(t, CohortsJob(f.cfg), "")
	t.Log(res.Message)

	got := f.cells(t, `SELECT dimension, dimension_value, cohort_month, months_since, cohort_size, customers_active,
		retention_pct, revenue, cum_revenue_per_customer FROM cohort_retention WHERE as_of = DATE '`+testAsOf+`'`)
	want := f.cells(t, fill(refCohortSQL, "{tz}", testTZ, "{asof}", testAsOf))
	if len(got) != len(want) {
		t.Errorf("mart has %d cells, SQL %d", len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("cell %+v missing from the mart", k)
		case g.size != w.size || g.active != w.active || !approx(g.ret, w.ret) || !approx(g.rev, w.rev) || !approx(g.cum, w.cum):
			t.Errorf("cell %+v: mart %+v, SQL %+v", k, g, w)
		default:
			continue
		}
		if bad++; bad > 20 {
			t.Fatal("too many differences")
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("mart cell %+v not in the SQL matrix", k)
		}
	}

	// The data exercise what they should: 19 cohorts (2023-01..2024-06 and
	// 2022-12, from first orders snapped to the last second before
	// 2023-01-01 local), every dimension split several ways, unknown regions
	// and categories present, purchases whose UTC month is not their local
	// month.
	dims := map[string]map[string]bool{}
	months := map[string]bool{}
	for k := range got {
		if dims[k.dim] == nil {
			dims[k.dim] = map[string]bool{}
		}
		dims[k.dim][k.val] = true
		months[k.month] = true
	}
	if len(months) != 19 || !months["2022-12"] || len(dims["first_channel"]) != 4 || !dims["region"]["unknown"] || !dims["region"]["华东"] ||
		!dims["first_category"]["unknown"] || !dims["first_category"]["服装"] {
		t.Errorf("fixture does not cover the cases: months %d, dims %v", len(months), dims)
	}

	if n := f.count(t, `SELECT count(*) FROM orders WHERE customer_id IS NOT NULL AND net_amount > 0
		AND month(timezone('UTC', order_ts)) <> month(timezone('`+testTZ+`', order_ts))`); n < 100 {
		t.Errorf("only %d purchases with a UTC month different from the local month", n)
	}

	// Anonymous orders up to the as-of day are counted in the message.
	anon := f.count(t, `SELECT count(*) FROM orders WHERE customer_id IS NULL AND order_ts < TIMESTAMPTZ '`+testAsOf+` 00:00:00+08' + INTERVAL 1 DAY`)
	if anon == 0 || !strings.Contains(res.Message, fmt.Sprintf("%d anonymous orders", anon)) {
		t.Errorf("message %q does not report the %d anonymous orders", res.Message, anon)
	}
	if res.RowsOut != int64(len(want)) {
		t.Errorf("RowsOut %d, want %d", res.RowsOut, len(want))
	}
}

// TestRFMMatchSQL compares every customer's rfm mart row with plain SQL.
func TestRFMMatchSQL(t *testing.T) {
	f := newFixture(t, 3000)
	for _, th := range []config.RFM{{HighValueMin: 12, DormantRecencyMax: 2}, {HighValueMin: 9, DormantRecencyMax: 1}} {
		f.cfg.Models.RFM = th
		res := f.run(t, RFMJob(f.cfg), "")
		t.Log(res.Message)
		type row struct {
			rec, freq      int64
			mon            float64
			r, f, m, score int64
			tier, action   string
		}
		read := func(q string) map[string]row {
			rows, err := f.db.Query(q)
			if err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
			defer rows.Close()
			out := map[string]row{}
			for rows.Next() {
				var id string
				var r row
				if err := rows.Scan(&id, &r.rec, &r.freq, &r.mon, &r.r, &r.f, &r.m, &r.score, &r.tier, &r.action); err != nil {
					t.Fatal(err)
				}
				out[id] = r
			}
			return out
		}
		got := read(`SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_score, tier, action
			FROM rfm WHERE as_of = DATE '` + testAsOf + `'`)
		want := read(fill(refRFMSQL, "{tz}", testTZ, "{asof}", testAsOf,
			"{dormant}", fmt.Sprint(th.DormantRecencyMax), "{hv}", fmt.Sprint(th.HighValueMin)))
		if len(got) != len(want) || len(want) < 2900 {
			t.Fatalf("mart %d customers, SQL %d", len(got), len(want))
		}
		tiers := map[string]int{}
		bad := 0
		for id, w := range want {
			if g := got[id]; g != w {
				t.Errorf("%s: mart %+v, SQL %+v", id, g, w)
				if bad++; bad > 20 {
					t.Fatal("too many differences")
				}
			}
			tiers[w.tier]++
		}
		if tiers["dormant"] == 0 || tiers["active"] == 0 || tiers["high_value"] == 0 {
			t.Errorf("thresholds %+v: tiers %v, want all three present", th, tiers)
		}
		if !strings.Contains(res.Message, "anonymous orders (no customer_id) excluded") {
			t.Errorf("message %q", res.Message)
		}
	}
}

// TestRerunReplacesAsOf: running a job again for the same as-of date
// replaces its rows; another as-of date adds its own.
func TestRerunReplacesAsOf(t *testing.T) {
	f := newFixture(t, 3000)
	for _, c := range []struct {
		job  *jobs.Job
		mart string
	}{{CohortsJob(f.cfg), MartCohorts}, {RFMJob(f.cfg), MartRFM}} {
		first := f.run(t, c.job, testAsOf)
		n1 := f.count(t, "SELECT count(*) FROM "+c.mart)
		if n1 == 0 || n1 != first.RowsOut {
			t.Fatalf("%s: %d rows after the first run, job said %d", c.mart, n1, first.RowsOut)
		}
		f.run(t, c.job, testAsOf)
		if n2 := f.count(t, "SELECT count(*) FROM "+c.mart); n2 != n1 {
			t.Fatalf("%s: rerun for the same as-of: %d rows, want %d", c.mart, n2, n1)
		}
		other := f.run(t, c.job, "2024-03-31")
		byDate := f.count(t, "SELECT count(*) FROM "+c.mart+" WHERE as_of = DATE '2024-03-31'")
		total := f.count(t, "SELECT count(*) FROM "+c.mart)
		if byDate != other.RowsOut || total != n1+byDate || f.count(t, "SELECT count(*) FROM "+c.mart+" WHERE as_of = DATE '"+testAsOf+"'") != n1 {
			t.Fatalf("%s: after a second as-of: %d total, %d for 2024-03-31 (job said %d), first %d", c.mart, total, byDate, other.RowsOut, n1)
		}
	}
}

// TestNoCustomersTable: before the first stitch there is no customers
// table; every region is then "unknown".
func TestNoCustomersTable(t *testing.T) {
	f := newFixture(t, 3000)
	if _, err := f.db.Exec("DROP TABLE customers"); err != nil {
		t.Fatal(err)
	}
	f.run(t, CohortsJob(f.cfg), "")
	if n := f.count(t, "SELECT count(DISTINCT dimension_value) FROM cohort_retention WHERE dimension = 'region' AND dimension_value <> 'unknown'"); n != 0 {
		t.Fatalf("%d known regions without a customers table", n)
	}
	if n := f.count(t, "SELECT count(*) FROM cohort_retention WHERE dimension = 'region'"); n == 0 {
		t.Fatal("no region rows")
	}
}

func TestRegistered(t *testing.T) {
	g := jobs.Nightly(&config.Config{})
	// Derived from the tables: cohorts reads the golden record (customers,
	// written by stitch) and core's tables; rfm reads only orders.
	for name, want := range map[string]string{JobCohorts: "stitch,core", JobRFM: "core"} {
		j, ok := g.Job(name)
		if !ok {
			t.Fatalf("job %q not in the nightly graph", name)
		}
		if got := strings.Join(j.Deps, ","); got != want {
			t.Errorf("job %q deps %s, want %s", name, got, want)
		}
	}
}

// BenchmarkJobs1M runs both jobs on 1 million generated customers (about
// 3.5 million orders, 7 million order lines) and, for comparison, the plain
// SQL versions of the same computations materialised as tables.
func BenchmarkJobs1M(b *testing.B) {
	if testing.Short() {
		b.Skip("large benchmark")
	}
	f := newFixture(b, 1_000_000)
	b.Logf("%d order lines, %d orders", f.count(b, "SELECT count(*) FROM order_lines"), f.count(b, "SELECT count(*) FROM orders"))
	for b.Loop() {
		for _, c := range []struct {
			name string
			job  *jobs.Job
			ref  string
		}{
			{"cohorts", CohortsJob(f.cfg), fill(refCohortSQL, "{tz}", testTZ, "{asof}", testAsOf)},
			{"rfm", RFMJob(f.cfg), fill(refRFMSQL, "{tz}", testTZ, "{asof}", testAsOf, "{dormant}", "2", "{hv}", "12")},
		} {
			t0 := time.Now()
			res := f.run(b, c.job, testAsOf)
			job := time.Since(t0).Seconds()
			t1 := time.Now()
			if _, err := f.db.Exec("CREATE OR REPLACE TABLE ref_" + c.name + " AS " + c.ref); err != nil {
				b.Fatal(err)
			}
			ref := time.Since(t1).Seconds()
			b.ReportMetric(job, c.name+"_job_s")
			b.ReportMetric(ref, c.name+"_sql_s")
			b.Logf("%s: job %.2fs (%s), plain SQL %.2fs", c.name, job, res.Message, ref)
		}
	}
}
