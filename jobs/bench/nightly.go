package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// DeltaShare is the nightly delta's size: the share of each source's
// loaded rows one new day adds.
const DeltaShare = 0.005

// Nightly is the second part of the report: after the full chain, one new
// day is added and the chain runs again (the nightly), then once more with
// nothing new (idle); then the marts are checked against a full rebuild.
type Nightly struct {
	Day            string         `json:"day"`
	Files          []DeltaFile    `json:"files"`
	DeltaRows      int            `json:"delta_rows"`
	LoadedRows     int64          `json:"loaded_rows_before"`
	FullSeconds    float64        `json:"full_chain_seconds"`
	NightlySeconds float64        `json:"nightly_seconds"`
	IdleSeconds    float64        `json:"idle_seconds"`
	Ratio          float64        `json:"ratio_nightly_over_full"`
	NightlyPeakMB  float64        `json:"nightly_peak_rss_mb"`
	IdlePeakMB     float64        `json:"idle_peak_rss_mb"`
	RebuildSeconds float64        `json:"rebuild_seconds"`
	Tables         int            `json:"tables_compared"`
	Differences    []string       `json:"differences,omitempty"`
	Stages         []NightlyStage `json:"stages"`
}

// NightlyStage is one job's seconds in the full chain, the nightly and the
// idle run, with what the two later runs did (ran or skipped).
type NightlyStage struct {
	Job            string  `json:"job"`
	FullSeconds    float64 `json:"full_seconds"`
	NightlySeconds float64 `json:"nightly_seconds"`
	NightlyStatus  string  `json:"nightly_status"`
	NightlyPeakMB  float64 `json:"nightly_peak_rss_mb"`
	IdleSeconds    float64 `json:"idle_seconds"`
	IdleStatus     string  `json:"idle_status"`
}

// linkData makes dst a tree of symbolic links to the files under src, so
// that the nightly's delta files can be added beside the cached data
// without writing into the cache.
func linkData(src, dst string) error {
	absSrc, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	return filepath.Walk(absSrc, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(absSrc, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return os.Symlink(p, target)
	})
}

// runNightly adds one day to the data, runs the chain twice without
// force, then rebuilds from the raw tables and compares.
func runNightly(ctx context.Context, o Options, cfg *config.Config, wh warehouse.Warehouse, reopen func() (warehouse.Warehouse, error), g *jobs.Graph, plan []string, full []jobs.RunRecord, fullSecs float64) (*Nightly, error) {
	n := &Nightly{FullSeconds: fullSecs}
	newest, err := newestOrderDay(ctx, cfg, wh)
	if err != nil {
		return nil, err
	}
	day := newest.AddDate(0, 0, 1)
	n.Day = day.Format("2006-01-02")
	q, err := render("loaded_rows", nil)
	if err != nil {
		return nil, err
	}
	if n.LoadedRows, err = warehouse.Int64(ctx, wh, q); err != nil {
		return nil, err
	}
	if n.Files, err = MakeDelta(ctx, cfg, wh, day, DeltaShare); err != nil {
		return nil, err
	}
	for _, f := range n.Files {
		n.DeltaRows += f.Rows
	}
	// Each job's peak: the resident set's high-water mark is read and reset
	// (without handing the heap back, which would change what the next job
	// starts from) as each job finishes; with one job at a time it is that
	// job's peak, and the chain's is the largest.
	jobPeak := map[string]float64{}
	chain := func(force bool, label string) ([]jobs.RunRecord, float64, float64, error) {
		var err error
		if wh, err = reopen(); err != nil {
			return nil, 0, 0, err
		}
		resetPeak()
		var chainPeak float64
		r := &jobs.Runner{Graph: g, Cfg: cfg, WH: wh, Log: o.Log, Parallelism: cfg.Jobs.Parallelism, Force: force,
			OnFinish: func(rec jobs.RunRecord) {
				p := peakSinceReset()
				clearPeak()
				chainPeak = max(chainPeak, p)
				if label == "nightly" {
					jobPeak[rec.Job] = p
				}
				if o.Progress != nil {
					o.Progress(label + " " + rec.Job)
				}
			}}
		t := time.Now()
		res, err := r.Run(ctx, jobs.NewChainID(time.Now()), "", plan)
		if err != nil {
			return nil, 0, 0, err
		}
		if ferr := res.Err(); ferr != nil {
			return nil, 0, 0, fmt.Errorf("%s chain failed during bench: %w", label, ferr)
		}
		return res.Runs, time.Since(t).Seconds(), max(chainPeak, peakSinceReset()), nil
	}
	nightly, secs, peak, err := chain(false, "nightly")
	if err != nil {
		return nil, err
	}
	n.NightlySeconds, n.NightlyPeakMB = secs, peak
	idle, secs, peak, err := chain(false, "idle")
	if err != nil {
		return nil, err
	}
	n.IdleSeconds, n.IdlePeakMB = secs, peak
	if n.FullSeconds > 0 {
		n.Ratio = n.NightlySeconds / n.FullSeconds
	}
	byJob := func(rs []jobs.RunRecord) map[string]jobs.RunRecord {
		m := map[string]jobs.RunRecord{}
		for _, r := range rs {
			m[r.Job] = r
		}
		return m
	}
	f, nr, ir := byJob(full), byJob(nightly), byJob(idle)
	for _, j := range plan {
		n.Stages = append(n.Stages, NightlyStage{Job: j, FullSeconds: f[j].Duration().Seconds(),
			NightlySeconds: nr[j].Duration().Seconds(), NightlyStatus: nr[j].Status, NightlyPeakMB: jobPeak[j],
			IdleSeconds: ir[j].Duration().Seconds(), IdleStatus: ir[j].Status})
	}

	// The reference: every job after ingest forced, from the raw tables.
	tables, err := comparedTables(ctx, wh)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		q, err := render("copy_table", struct{ To, From string }{warehouse.QuoteIdent("bench_inc_" + t), warehouse.QuoteIdent(t)})
		if err != nil {
			return nil, err
		}
		if err := wh.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("keep %s of the nightly: %w", t, err)
		}
	}
	var rebuild []string
	for _, j := range plan {
		if !strings.HasPrefix(j, "ingest:") {
			rebuild = append(rebuild, j)
		}
	}
	r := &jobs.Runner{Graph: g, Cfg: cfg, WH: wh, Log: o.Log, Parallelism: cfg.Jobs.Parallelism, Force: true, Full: true}
	t := time.Now()
	res, err := r.Run(ctx, jobs.NewChainID(time.Now()), "", rebuild)
	if err != nil {
		return nil, err
	}
	if ferr := res.Err(); ferr != nil {
		return nil, fmt.Errorf("full rebuild failed during bench: %w", ferr)
	}
	n.RebuildSeconds = time.Since(t).Seconds()
	for _, tb := range tables {
		diff, err := CompareTables(ctx, wh, "bench_inc_"+tb, tb)
		if err != nil {
			return nil, err
		}
		if diff != "" {
			n.Differences = append(n.Differences, tb+": "+diff)
		}
		if q, err := render("drop_table", tableArg{warehouse.QuoteIdent("bench_inc_" + tb)}); err == nil {
			_ = wh.Exec(ctx, q)
		}
	}
	n.Tables = len(tables)
	return n, nil
}

// newestOrderDay is the local date of the newest order.
func newestOrderDay(ctx context.Context, cfg *config.Config, wh warehouse.Warehouse) (time.Time, error) {
	q, err := render("newest_order", nil)
	if err != nil {
		return time.Time{}, err
	}
	recs, err := wh.Query(ctx, q)
	if err != nil {
		return time.Time{}, err
	}
	defer warehouse.Release(recs)
	if len(recs) == 0 || recs[0].NumRows() == 0 {
		return time.Time{}, fmt.Errorf("no orders to add a day after")
	}
	t := warehouse.TimeAt(recs[0], 0, 0)
	if t.IsZero() {
		return time.Time{}, fmt.Errorf("no orders to add a day after")
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
}

// comparedTables are the tables the chain computes after ingest: the
// marts (every table with an as_of column) and the core and identity
// tables.
func comparedTables(ctx context.Context, wh warehouse.Warehouse) ([]string, error) {
	var names *string
	q, err := render("mart_tables", nil)
	if err != nil {
		return nil, err
	}
	if err := wh.QueryRow(ctx, q, nil, &names); err != nil {
		return nil, err
	}
	out := []string{"orders", "customers", "identity_map", "identity_assignments", "products", "stores", "social_accounts", "service_tickets", "customer_state", "customer_order_state", "customer_cut_state", "customer_cut_meta"}
	if names != nil {
		out = append(out, strings.Split(*names, ",")...)
	}
	sort.Strings(out)
	var have []string
	for _, t := range out {
		if ok, err := warehouse.TableExists(ctx, wh, t); err == nil && ok {
			have = append(have, t)
		}
	}
	return have, nil
}

// fittedColumns are the CLV figures computed from fitted parameters. The
// nightly's fit starts from the last run's parameters and the rebuild's
// cold; both are polished to the same optimum (parameters within about
// 1e-9), but a frequent buyer's scores are steep in the parameters and
// agree to about 1e-8, so these columns are compared to 1e-6 relative.
// The fit's iteration count measures the run and is left out.
var fittedColumns = map[string]bool{"p_alive": true, "exp_purchases_90d": true, "exp_purchases_365d": true, "exp_order_value": true, "clv": true,
	"r": true, "alpha": true, "a": true, "b": true, "loglik": true, "gg_p": true, "gg_q": true, "gg_gamma": true, "gg_loglik": true, "total_clv": true}

// CompareTables compares two tables of the same columns as multisets of
// rows: every column equal (NULLs equal), floating-point columns within
// 1e-9 relative (fittedColumns of the CLV marts 1e-6). Columns that
// measure the run rather than the data (names ending in _seconds, run ids,
// timestamps named *_at, the CLV fit's iterations) are left out. It
// returns "" when equal, else what differs.
func CompareTables(ctx context.Context, wh warehouse.Warehouse, a, b string) (string, error) {
	clvMart := b == "customer_clv" || b == "clv_fit"
	cq, err := render("table_columns", nil)
	if err != nil {
		return "", err
	}
	recs, err := wh.Query(ctx, cq, b)
	if err != nil {
		return "", err
	}
	var exact, floats []string
	fitted := map[string]bool{}
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			c, ty := warehouse.StringAt(r, 0, i), warehouse.StringAt(r, 1, i)
			if strings.HasSuffix(c, "_seconds") || c == "run_id" || c == "chain_id" || strings.HasSuffix(c, "_at") || clvMart && c == "iterations" {
				continue
			}
			if ty == "DOUBLE" || ty == "FLOAT" || ty == "REAL" {
				if clvMart && fittedColumns[c] {
					fitted[warehouse.QuoteIdent(c)] = true
				}
				floats = append(floats, warehouse.QuoteIdent(c))
			} else {
				exact = append(exact, warehouse.QuoteIdent(c))
			}
		}
	}
	warehouse.Release(recs)
	cols := append(append([]string(nil), exact...), floats...)
	if len(cols) == 0 {
		return "", nil
	}
	qa, err := render("count_rows", tableArg{warehouse.QuoteIdent(a)})
	if err != nil {
		return "", err
	}
	qb, err := render("count_rows", tableArg{warehouse.QuoteIdent(b)})
	if err != nil {
		return "", err
	}
	na, err := warehouse.Int64(ctx, wh, qa)
	if err != nil {
		return "", err
	}
	nb, err := warehouse.Int64(ctx, wh, qb)
	if err != nil {
		return "", err
	}
	if na != nb {
		return fmt.Sprintf("%d rows incremental, %d rebuilt", na, nb), nil
	}
	// Rows are paired in the order of all their columns, exact ones first
	// (the first is usually the key); a row that differs is counted under
	// each column where it differs.
	var conds, counts []string
	for _, c := range exact {
		conds = append(conds, fmt.Sprintf("x.%s IS NOT DISTINCT FROM y.%s", c, c))
	}
	for _, c := range floats {
		tol := "1e-9"
		if fitted[c] {
			tol = "1e-6"
		}
		conds = append(conds, fmt.Sprintf(`(x.%[1]s IS NOT DISTINCT FROM y.%[1]s OR (isnan(x.%[1]s) AND isnan(y.%[1]s))
			OR abs(x.%[1]s - y.%[1]s) <= %[2]s * greatest(abs(x.%[1]s), abs(y.%[1]s)))`, c, tol))
	}
	for i, c := range conds {
		counts = append(counts, fmt.Sprintf("count(*) FILTER (WHERE NOT (%s)) AS %s", c, warehouse.QuoteIdent(fmt.Sprint("c", i))))
	}
	order := strings.Join(cols, ", ")
	q, err := render("compare_rows", struct{ Cols, A, B, Conds, Counts string }{
		order, warehouse.QuoteIdent(a), warehouse.QuoteIdent(b), strings.Join(conds, " AND "), strings.Join(counts, ", ")})
	if err != nil {
		return "", err
	}
	recs, err = wh.Query(ctx, q)
	if err != nil {
		return "", fmt.Errorf("compare %s with %s: %w", a, b, err)
	}
	defer warehouse.Release(recs)
	if len(recs) == 0 || recs[0].NumRows() == 0 || warehouse.Int64At(recs[0], 0, 0) == 0 {
		return "", nil
	}
	var where []string
	for i, c := range cols {
		if k := warehouse.Int64At(recs[0], i+1, 0); k > 0 {
			where = append(where, fmt.Sprintf("%s %d", c, k))
		}
	}
	return fmt.Sprintf("%d of %d rows differ (%s)", warehouse.Int64At(recs[0], 0, 0), nb, strings.Join(where, ", ")), nil
}

// resetPeak gives the Go heap's garbage back and resets the process's
// peak resident set (Linux: clear_refs 5), so that peakSinceReset
// measures one run.
func resetPeak() {
	debug.FreeOSMemory()
	clearPeak()
}

// clearPeak resets the peak resident set to the current one.
func clearPeak() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0o200)
}

// peakSinceReset is the peak resident set in MiB since resetPeak (VmHWM),
// or the process's lifetime peak where /proc is missing.
func peakSinceReset() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return PeakRSSMB()
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return PeakRSSMB()
}

// Print writes the nightly part of the report.
func (n *Nightly) Print(w io.Writer) {
	fmt.Fprintf(w, "\nnightly: one new day (%s): %d rows in %d files (%.2f%% of %d loaded rows)\n", n.Day, n.DeltaRows, len(n.Files),
		100*float64(n.DeltaRows)/float64(max(n.LoadedRows, 1)), n.LoadedRows)
	fmt.Fprintf(w, "full chain %.1fs; nightly %.1fs (%.1f%% of full, peak RSS %.0f MiB); nothing new %.1fs (peak RSS %.0f MiB)\n",
		n.FullSeconds, n.NightlySeconds, 100*n.Ratio, n.NightlyPeakMB, n.IdleSeconds, n.IdlePeakMB)
	if len(n.Differences) == 0 {
		fmt.Fprintf(w, "marts after the nightly equal a full rebuild (%d tables; rebuild %.1fs)\n\n", n.Tables, n.RebuildSeconds)
	} else {
		fmt.Fprintf(w, "MARTS DIFFER from a full rebuild: %s\n\n", strings.Join(n.Differences, "; "))
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "job\tfull s\tnightly s\tnightly\tnightly peak MiB\tnothing new s\tnothing new\t")
	for _, s := range n.Stages {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%s\t%.0f\t%.2f\t%s\t\n", s.Job, s.FullSeconds, s.NightlySeconds, s.NightlyStatus, s.NightlyPeakMB, s.IdleSeconds, s.IdleStatus)
	}
	tw.Flush()
}
