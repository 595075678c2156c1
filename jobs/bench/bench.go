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
	// Nightly adds one generated day after the full chain and measures
	// the chain on it and with nothing new (see Nightly).
	Nightly  bool
	Log      *slog.Logger
	Progress func(stage string)
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
	Nightly       *Nightly  `json:"nightly,omitempty"`
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
	absRun, _ := filepath.Abs(run)
	// The sources read a tree of links to the cached data, where the
	// nightly's delta files can be added.
	absData := filepath.Join(absRun, "data")
	if err := linkData(data, absData); err != nil {
		return nil, err
	}
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
	defer func() { sess.Close() }()
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
	twins, err := sqlTwins(cfg, csvSources)
	if err != nil {
		return nil, err
	}
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
		if file, ok := twinChecks[st.Name]; ok && st.Note == "" {
			q, err := render(file, twinArgs{})
			if err != nil {
				return nil, err
			}
			var same *bool
			if err := sess.WH.QueryRow(ctx, q, nil, &same); err != nil {
				st.Note = "sql twin check failed: " + err.Error()
			} else if same == nil || !*same {
				st.Note = "sql twin differs from the stage's mart"
			}
		}
		// The twin's temp tables are held in DuckDB's memory; drop them
		// so that the next twin has the memory limit to itself.
		dropTwinTemps(ctx, sess.WH)
	}
	// The ingest twin writes persistent tables like the real ingest does;
	// drop them so the warehouse holds only the chain's tables.
	for i := 0; i < len(csvSources); i++ {
		if q, err := render("drop_table", tableArg{fmt.Sprintf("bench_twin_csv_%d", i)}); err == nil {
			_ = sess.WH.Exec(ctx, q)
		}
	}
	for i := range rep.Stages {
		st := &rep.Stages[i]
		if st.Seconds > 0 {
			st.RowsPerSec = float64(max(st.RowsIn, st.RowsOut)) / st.Seconds
		}
	}
	rep.PeakRSSMB = PeakRSSMB()
	if o.Nightly {
		// The nightly and the idle run each start from a fresh open of the
		// warehouse, as a cron `crmkit run` and each scheduler slot do
		// (DefaultSlotRunner): DuckDB's buffer cache, filled by the full
		// chain and its twins, is not carried into the nightly's peak.
		reopen := func() (warehouse.Warehouse, error) {
			if err := sess.Close(); err != nil {
				return nil, fmt.Errorf("close the warehouse before the nightly: %w", err)
			}
			s, err := jobs.Open(ctx, cfg, "crmkit bench")
			if err != nil {
				return nil, fmt.Errorf("reopen the warehouse for the nightly: %w", err)
			}
			sess = s
			return s.WH, nil
		}
		if rep.Nightly, err = runNightly(ctx, o, cfg, sess.WH, reopen, g, plan, recs, rep.ChainSeconds); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// dropTwinTemps drops the temp tables the SQL twins wrote (bench_twin_*).
func dropTwinTemps(ctx context.Context, wh warehouse.Warehouse) {
	var names *string
	q, err := render("twin_temps", nil)
	if err != nil {
		return
	}
	if err := wh.QueryRow(ctx, q, nil, &names); err != nil || names == nil {
		return
	}
	for _, n := range strings.Split(*names, ",") {
		if q, err := render("drop_table", tableArg{"temp.main." + warehouse.QuoteIdent(n)}); err == nil {
			_ = wh.Exec(ctx, q)
		}
	}
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
	if r.Nightly != nil {
		r.Nightly.Print(w)
	}
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
