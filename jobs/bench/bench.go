// Package bench runs the whole chain on generated data and measures each
// stage: rows in and out, wall seconds, rows per second and the peak
// resident memory of the process, and times the same computation written as
// plain DuckDB SQL on the same tables in the same run for the stages that
// have one.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/generate"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Options configures a bench run.
type Options struct {
	// ConfigPath is the config whose sources (pointing at ../data/sample)
	// are redirected to the generated data.
	ConfigPath string
	Dir        string // work folder (data cached per size and seed)
	Customers  int
	Seed       uint64
	// Threads limits DuckDB (0: its default); Parallelism the job runner.
	Threads     int
	Parallelism int
	// MemoryLimit is DuckDB's memory_limit (e.g. "2GB").
	MemoryLimit string
	Log         *slog.Logger
	Progress    func(stage string)
}

// Stage is one row of the report.
type Stage struct {
	Name       string  `json:"stage"`
	RowsIn     int64   `json:"rows_in"`
	RowsOut    int64   `json:"rows_out"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_sec"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	SQLSeconds float64 `json:"sql_seconds,omitempty"`
	Ratio      float64 `json:"ratio_ours_over_sql,omitempty"`
	Note       string  `json:"note,omitempty"`
}

// Report is the whole bench result.
type Report struct {
	Customers     int       `json:"customers"`
	Seed          uint64    `json:"seed"`
	OrderLines    int64     `json:"order_lines"`
	GenerateSecs  float64   `json:"generate_seconds"`
	GenerateCache bool      `json:"generate_cached"`
	ChainSeconds  float64   `json:"chain_seconds"`
	PeakRSSMB     float64   `json:"peak_rss_mb"`
	Stages        []Stage   `json:"stages"`
	When          time.Time `json:"when"`
	GOMAXPROCS    int       `json:"cpus"`
}

// PeakRSSMB returns the process's peak resident set size in MiB.
func PeakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

// Run generates (or reuses) the data, runs the chain on a fresh warehouse
// and the SQL twins, and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rep := &Report{Customers: o.Customers, Seed: o.Seed, When: time.Now().UTC(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	data := filepath.Join(o.Dir, fmt.Sprintf("data-%d-%d", o.Customers, o.Seed))
	marker := filepath.Join(data, ".complete")
	t0 := time.Now()
	if _, err := os.Stat(marker); err == nil {
		rep.GenerateCache = true
	} else {
		if o.Progress != nil {
			o.Progress("generate")
		}
		if _, err := generate.Generate(generate.Options{Dir: data, Customers: o.Customers, Seed: o.Seed}); err != nil {
			return nil, err
		}
		if err := os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)), 0o644); err != nil {
			return nil, err
		}
	}
	rep.GenerateSecs = time.Since(t0).Seconds()

	cfg, err := config.Load(o.ConfigPath)
	if err != nil {
		return nil, err
	}
	run := filepath.Join(o.Dir, fmt.Sprintf("run-%d-%d", o.Customers, o.Seed))
	if err := os.RemoveAll(run); err != nil {
		return nil, err
	}
	absData, _ := filepath.Abs(data)
	absRun, _ := filepath.Abs(run)
	for i := range cfg.Sources {
		p := filepath.ToSlash(cfg.Sources[i].Path)
		if j := strings.Index(p, "data/sample/"); j >= 0 {
			cfg.Sources[i].Path = filepath.Join(absData, p[j+len("data/sample/"):])
		}
	}
	cfg.Warehouse.Path = filepath.Join(absRun, "warehouse.duckdb")
	cfg.Warehouse.Threads = o.Threads
	if o.MemoryLimit != "" {
		cfg.Warehouse.MemoryLimit = o.MemoryLimit
	}
	cfg.OutputDir = absRun
	if o.Parallelism > 0 {
		cfg.Jobs.Parallelism = o.Parallelism
	}
	sess, err := jobs.Open(ctx, cfg, "crmkit bench")
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	g := jobs.Nightly(cfg)
	plan, err := g.Plan(g.Names(), false)
	if err != nil {
		return nil, err
	}
	var recs []jobs.RunRecord
	rss := map[string]float64{}
	r := &jobs.Runner{Graph: g, Cfg: cfg, WH: sess.WH, Log: o.Log, Parallelism: cfg.Jobs.Parallelism, Force: true,
		OnFinish: func(rec jobs.RunRecord) {
			rss[rec.Job] = PeakRSSMB()
			if o.Progress != nil {
				o.Progress(rec.Job)
			}
		}}
	t1 := time.Now()
	res, err := r.Run(ctx, jobs.NewChainID(time.Now()), "", plan)
	if err != nil {
		return nil, err
	}
	rep.ChainSeconds = time.Since(t1).Seconds()
	recs = res.Runs
	if ferr := res.Err(); ferr != nil {
		return nil, fmt.Errorf("chain failed during bench: %w", ferr)
	}
	// Group ingest jobs by family of format for the table; keep the rest.
	ingCSV := Stage{Name: "ingest (utf-8 csv sources)"}
	ingOther := Stage{Name: "ingest (ndjson, parquet, gbk csv, xlsx)"}
	csvSources := map[string]bool{}
	for _, s := range cfg.Sources {
		if s.Format == "csv" && strings.HasPrefix(strings.ToLower(s.Encoding), "utf") {
			csvSources[jobs.IngestJobName(s.Name)] = true
		}
	}
	for _, rr := range recs {
		st := Stage{Name: rr.Job, RowsIn: rr.RowsIn, RowsOut: rr.RowsOut, Seconds: rr.Duration().Seconds(), PeakRSSMB: rss[rr.Job]}
		switch {
		case csvSources[rr.Job]:
			add(&ingCSV, st)
		case strings.HasPrefix(rr.Job, "ingest:"):
			add(&ingOther, st)
		default:
			rep.Stages = append(rep.Stages, st)
			rep.Stages = append(rep.Stages, subStages(rr, st.PeakRSSMB)...)
		}
	}
	rep.Stages = append([]Stage{ingCSV, ingOther}, rep.Stages...)
	rep.OrderLines, _ = warehouse.Count(ctx, sess.WH, "order_lines")

	// SQL twins, timed in the same process on the same tables.
	twins := sqlTwins(cfg, csvSources)
	for i := range rep.Stages {
		st := &rep.Stages[i]
		tw, ok := twins[st.Name]
		if !ok {
			continue
		}
		t := time.Now()
		for _, q := range tw {
			if err := sess.WH.Exec(ctx, q); err != nil {
				st.Note = "sql twin failed: " + err.Error()
				break
			}
		}
		st.SQLSeconds = time.Since(t).Seconds()
		if st.SQLSeconds > 0 {
			st.Ratio = st.Seconds / st.SQLSeconds
		}
		if q, ok := twinChecks[st.Name]; ok && st.Note == "" {
			var same *bool
			if err := sess.WH.QueryRow(ctx, q, nil, &same); err != nil {
				st.Note = "sql twin check failed: " + err.Error()
			} else if same == nil || !*same {
				st.Note = "sql twin differs from the stage's mart"
			}
		}
	}
	// The ingest twin writes persistent tables like the real ingest does;
	// drop them so the warehouse holds only the chain's tables.
	for i := 0; i < len(csvSources); i++ {
		_ = sess.WH.Exec(ctx, fmt.Sprintf("DROP TABLE IF EXISTS bench_twin_csv_%d", i))
	}
	for i := range rep.Stages {
		st := &rep.Stages[i]
		if st.Seconds > 0 {
			st.RowsPerSec = float64(max(st.RowsIn, st.RowsOut)) / st.Seconds
		}
	}
	rep.PeakRSSMB = PeakRSSMB()
	return rep, nil
}

// subStages are the steps a job reports in its figures: for clv the
// summary (orders to per-customer (x, t_x, T, mean spend), compared with
// its SQL twin), the fits (rows out: distinct (x, t_x, T) triples) and
// the scoring.
func subStages(rr jobs.RunRecord, rss float64) []Stage {
	f := rr.Figures
	if rr.Job != "clv" || f == nil {
		return nil
	}
	cust := int64(f["customers"])
	triples := int64(f["distinct_triples"])
	return []Stage{
		{Name: "clv: summary", RowsIn: rr.RowsIn, RowsOut: cust, Seconds: f["summary_seconds"], PeakRSSMB: rss},
		{Name: "clv: fit (rows out = distinct triples)", RowsIn: cust, RowsOut: triples, Seconds: f["fit_seconds"], PeakRSSMB: rss},
		{Name: "clv: scoring", RowsIn: cust, RowsOut: cust, Seconds: f["score_seconds"], PeakRSSMB: rss},
	}
}

func add(dst *Stage, s Stage) {
	dst.RowsIn += s.RowsIn
	dst.RowsOut += s.RowsOut
	dst.Seconds += s.Seconds
	if s.PeakRSSMB > dst.PeakRSSMB {
		dst.PeakRSSMB = s.PeakRSSMB
	}
}

// twinChecks compare a twin's totals with the stage's mart for the run's
// as-of date, so a twin that stops computing what its stage computes is
// reported in the stage's note. (Row counts are not compared: the marts
// also hold the empty cells of the matrix, which the twins leave out.)
var twinChecks = map[string]string{
	"cohorts": `WITH t AS (SELECT sum(active) FILTER (WHERE first_channel IS NULL AND region IS NULL AND first_category IS NULL) AS active,
			sum(revenue) AS revenue FROM bench_twin_cohort),
		m AS (SELECT sum(customers_active) FILTER (WHERE dimension = 'all') AS active, sum(revenue) AS revenue
			FROM cohort_retention WHERE as_of = (SELECT max(as_of) FROM cohort_retention))
		SELECT t.active = m.active AND abs(t.revenue - m.revenue) <= 1e-6 * abs(m.revenue) + 0.01 FROM t, m`,
	"growth": `WITH t AS (SELECT sum(new_customers) AS nc, sum(reactivated) AS re, sum(churned) AS ch, sum(buyers) AS b
			FROM bench_twin_growth WHERE first_channel IS NULL AND region IS NULL),
		m AS (SELECT sum(new_customers) AS nc, sum(reactivated_customers) AS re, sum(churned_customers) AS ch, sum(buyers) AS b
			FROM growth WHERE as_of = (SELECT max(as_of) FROM growth) AND dimension = 'total')
		SELECT t.nc = m.nc AND t.re = m.re AND t.ch = m.ch AND t.b = m.b FROM t, m`,
}

// sqlTwins are the same computations as plain DuckDB SQL, keyed by stage.
func sqlTwins(cfg *config.Config, csvSources map[string]bool) map[string][]string {
	tz := cfg.Location.String()
	var ingest []string
	i := 0
	for _, s := range cfg.Sources {
		if !csvSources[jobs.IngestJobName(s.Name)] {
			continue
		}
		// Written to a persistent table, as the real ingest writes raw tables.
		ingest = append(ingest, fmt.Sprintf(`CREATE OR REPLACE TABLE bench_twin_csv_%d AS SELECT * FROM read_csv('%s', header = true, union_by_name = true, ignore_errors = true)`,
			i, strings.ReplaceAll(cfg.Resolve(s.Path), "'", "''")))
		i++
	}
	local := fmt.Sprintf("timezone('%s', order_ts)", tz)
	churn := cfg.Models.Growth.ChurnDays
	if churn <= 0 {
		churn = metrics.DefaultChurnDays
	}
	return map[string][]string{
		"ingest (utf-8 csv sources)": ingest,
		// The cohort stage's matrix overall and split by first channel,
		// region and first category (the category of the first order's
		// line with the highest net amount), as the cohorts job computes.
		"cohorts": {fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_twin_cohort AS
			WITH o AS (SELECT customer_id, channel, order_id, order_ts, date_trunc('month', %[1]s) AS m, net_amount FROM orders
				WHERE customer_id IS NOT NULL AND net_amount > 0),
			f AS (SELECT customer_id, min(m) AS cohort, arg_min(channel, (order_ts, channel, order_id)) AS first_channel,
				arg_min(order_id, (order_ts, channel, order_id)) AS first_order FROM o GROUP BY 1),
			fc AS (SELECT f.customer_id, arg_min(p.category, (-l.net_amount, p.category)) AS first_category
				FROM f JOIN order_lines l ON l.channel = f.first_channel AND l.order_id = f.first_order
				JOIN products p ON p.sku = l.sku WHERE p.category IS NOT NULL AND p.category <> '' GROUP BY 1),
			c AS (SELECT f.customer_id, f.cohort, f.first_channel, coalesce(cu.region, 'unknown') AS region, coalesce(fc.first_category, 'unknown') AS first_category
				FROM f LEFT JOIN fc USING (customer_id) LEFT JOIN (SELECT customer_id, min(region) AS region FROM customers GROUP BY 1) cu USING (customer_id)),
			a AS (SELECT c.cohort, c.first_channel, c.region, c.first_category, date_diff('month', c.cohort, o.m) AS k,
					count(DISTINCT o.customer_id) AS active, sum(o.net_amount) AS revenue
				FROM o JOIN c USING (customer_id)
				GROUP BY GROUPING SETS ((c.cohort, k), (c.first_channel, c.cohort, k), (c.region, c.cohort, k), (c.first_category, c.cohort, k))),
			s AS (SELECT cohort, first_channel, region, first_category, count(*) AS size FROM c
				GROUP BY GROUPING SETS ((cohort), (first_channel, cohort), (region, cohort), (first_category, cohort)))
			SELECT a.*, s.size, a.active / s.size AS retention,
				sum(a.revenue) OVER (PARTITION BY a.cohort, a.first_channel, a.region, a.first_category ORDER BY a.k) / s.size AS cum_rev
			FROM a JOIN s ON s.cohort = a.cohort AND s.first_channel IS NOT DISTINCT FROM a.first_channel
				AND s.region IS NOT DISTINCT FROM a.region AND s.first_category IS NOT DISTINCT FROM a.first_category`, local)},
		"rfm": {`CREATE OR REPLACE TEMP TABLE bench_twin_rfm AS
			WITH c AS (SELECT customer_id, date_diff('day', max(order_ts), (SELECT max(order_ts) FROM orders)) AS recency, count(*) AS frequency, sum(net_amount) AS monetary
				FROM orders WHERE customer_id IS NOT NULL GROUP BY 1)
			SELECT *, ntile(5) OVER (ORDER BY recency DESC) AS r, ntile(5) OVER (ORDER BY frequency) AS f, ntile(5) OVER (ORDER BY monetary) AS m FROM c`},
		// New, returning, reactivated and churned customers per month
		// (the growth job's churn window, models.growth.churn_days), active at the end,
		// overall and by first channel and region, as the growth job
		// computes.
		"growth": {fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_twin_growth AS
			WITH p AS (SELECT customer_id, CAST(%[1]s AS DATE) AS d, order_ts, channel, order_id, store_id FROM orders
				WHERE customer_id IS NOT NULL AND net_amount > 0),
			f AS (SELECT customer_id, arg_min(channel, (order_ts, channel, order_id)) AS first_channel,
				arg_min(store_id, (order_ts, channel, order_id)) AS first_store FROM p GROUP BY 1),
			dims AS (SELECT f.customer_id, f.first_channel, coalesce(cu.region, st.region, 'unknown') AS region FROM f
				LEFT JOIN (SELECT customer_id, min(region) AS region FROM customers GROUP BY 1) cu USING (customer_id)
				LEFT JOIN stores st ON st.store_id = f.first_store),
			days AS (SELECT DISTINCT customer_id, d FROM p),
			g AS (SELECT customer_id, d, d - lag(d) OVER w AS gap, lead(d) OVER w - d AS next_gap FROM days
				WINDOW w AS (PARTITION BY customer_id ORDER BY d)),
			ev AS (SELECT customer_id, date_trunc('month', d) AS m, CASE WHEN gap IS NULL THEN 3 WHEN gap > %[2]d THEN 2 ELSE 1 END AS kind FROM g
				UNION ALL
				SELECT customer_id, date_trunc('month', d + %[2]d + 1), 0 FROM g
				WHERE (next_gap IS NULL OR next_gap > %[2]d) AND d + %[2]d + 1 <= (SELECT CAST(max(%[1]s) AS DATE) FROM orders)),
			cm AS (SELECT customer_id, m, max(kind) AS kind, bool_or(kind = 0) AS churned FROM ev GROUP BY 1, 2),
			a AS (SELECT cm.m, dims.first_channel, dims.region, count(*) FILTER (WHERE kind > 0) AS buyers,
					count(*) FILTER (WHERE kind = 3) AS new_customers, count(*) FILTER (WHERE kind = 2) AS reactivated,
					count(*) FILTER (WHERE kind = 1) AS returning, count(*) FILTER (WHERE churned) AS churned
				FROM cm JOIN dims USING (customer_id)
				GROUP BY GROUPING SETS ((cm.m), (cm.m, dims.first_channel), (cm.m, dims.region)))
			SELECT *, new_customers + reactivated - churned AS net_growth,
				sum(new_customers + reactivated - churned) OVER (PARTITION BY first_channel, region ORDER BY m) AS active_end
			FROM a`, local, churn)},
		"sales": {fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_twin_sales AS
			SELECT date_trunc('month', timezone('%s', l.order_ts)) AS month, l.channel, l.store_id, s.region, p.category, p.brand,
				sum(l.qty) AS units, sum(l.net_amount) AS net_sales, sum(l.net_amount - l.qty * p.unit_cost) AS margin,
				count(DISTINCT l.order_id) AS orders, count(DISTINCT l.customer_id) AS customers
			FROM order_lines l LEFT JOIN products p USING (sku) LEFT JOIN stores s USING (store_id) GROUP BY ALL`, tz)},
		"clv: summary": {fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE bench_twin_clv_summary AS
			WITH d AS (SELECT customer_id, CAST(%[1]s AS DATE) AS day, sum(net_amount) AS amount FROM orders WHERE customer_id IS NOT NULL AND net_amount > 0 GROUP BY 1, 2)
			SELECT customer_id, count(*) - 1 AS x, date_diff('day', min(day), max(day)) / 7.0 AS t_x,
				date_diff('day', min(day), (SELECT max(day) FROM d)) / 7.0 AS T, avg(amount) AS mean_spend FROM d GROUP BY 1`, local)},
	}
}

// Print writes the report as an aligned table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "crmkit bench: %d customers, %d order lines, seed %d, %d CPUs; generate %.1fs%s; chain %.1fs; peak RSS %.0f MiB\n\n",
		r.Customers, r.OrderLines, r.Seed, r.GOMAXPROCS, r.GenerateSecs, map[bool]string{true: " (cached)", false: ""}[r.GenerateCache], r.ChainSeconds, r.PeakRSSMB)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\trows in\trows out\tseconds\trows/s\tpeak RSS MiB\tDuckDB SQL s\tours/SQL\t")
	for _, s := range r.Stages {
		sqlS, ratio := "", ""
		if s.SQLSeconds > 0 {
			sqlS, ratio = fmt.Sprintf("%.2f", s.SQLSeconds), fmt.Sprintf("%.2fx", s.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.0f\t%.0f\t%s\t%s\t\n", s.Name, s.RowsIn, s.RowsOut, s.Seconds, s.RowsPerSec, s.PeakRSSMB, sqlS, ratio)
	}
	tw.Flush()
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
