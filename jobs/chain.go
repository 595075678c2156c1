package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Names of the fixed jobs.
const (
	JobStitch  = "stitch"
	JobCore    = "core"
	JobPublish = "publish"
	JobChecks  = "checks"
)

// IngestJobName is the job that loads one source.
func IngestJobName(source string) string { return "ingest:" + source }

// BuildGraph assembles the chain: one ingest job per source, then stitch,
// core, the model jobs, the source checks and publish, with the edges
// derived from the tables each declares (Graph.Derive; its error is kept
// in the graph, see Graph.Err). stitch and publish may be nil.
func BuildGraph(sources []config.Source, stitch, publish *Job, models []*Job) *Graph {
	g := NewGraph()
	for _, s := range sources {
		g.Add(ingestJob(s.Name, s.Table))
	}
	if stitch != nil {
		g.Add(stitch)
	}
	core := &Job{Name: JobCore, Group: "core", Run: runCore, Alone: true, Reads: coreReads, Writes: coreWrites}
	core.Fingerprint = upstreamFingerprint(core, fingerprintInputs{noConfig: true, noAsOf: true, extra: loadedFiles})
	g.Add(core)
	for _, m := range models {
		if m.Group == "" {
			m.Group = "models"
		}
		if m.Fingerprint == nil {
			m.Fingerprint = upstreamFingerprint(m, fingerprintInputs{})
		}
		g.Add(m)
	}
	g.Add(&Job{Name: JobChecks, Group: "checks", Run: runChecks, Reads: checksReads, Writes: checksWrites})
	if publish != nil {
		publish.After = append(publish.After, JobChecks)
		if publish.Fingerprint == nil {
			publish.Fingerprint = upstreamFingerprint(publish, fingerprintInputs{})
		}
		g.Add(publish)
	}
	_ = g.Derive(PreparedTables())
	return g
}

func ingestJob(name, table string) *Job {
	reads, writes := ingestTables(table)
	return &Job{
		Name:        IngestJobName(name),
		Group:       "ingest",
		Reads:       reads,
		Writes:      writes,
		Alone:       true, // its file workers already use every core
		Fingerprint: func(ctx context.Context, env *Env) (string, error) { return sourceFingerprint(env, name) },
		Run: func(ctx context.Context, env *Env) (Result, error) {
			src, ok := env.Cfg.Source(name)
			if !ok {
				return Result{}, fmt.Errorf("source %q is not in the config", name)
			}
			in := &ingest.Ingester{WH: env.WH, Log: env.Log, RunID: env.RunID, BaseDir: env.Cfg.BaseDir, AfterBatch: env.Hooks.AfterBatch, BatchRows: env.Hooks.BatchRows,
				Location: env.Cfg.Location, Now: env.Hooks.Now}
			res, err := in.IngestSource(ctx, env.Cfg, src)
			if err != nil {
				return Result{}, err
			}
			out := Result{RowsIn: res.RowsRead, RowsOut: res.RowsLoaded, RowsQuarantined: res.RowsQuarantined}
			counts := map[string]int{}
			var rejected []string
			for _, f := range res.Files {
				counts[f.Status]++
				if f.Status == ingest.StatusRejected {
					rejected = append(rejected, f.Err.Error())
				}
			}
			out.Message = fmt.Sprintf("files: %d loaded, %d already loaded, %d duplicate, %d rejected", counts[ingest.StatusLoaded], counts[ingest.StatusSkipped], counts[ingest.StatusDuplicate], counts[ingest.StatusRejected])
			if n := counts[ingest.StatusUnloaded]; n > 0 {
				out.Message += fmt.Sprintf(", %d unloaded by hand", n)
			}
			if len(rejected) > 0 {
				out.Partial = true
				out.Message += "; " + strings.Join(rejected, "; ")
			}
			if len(res.Files) == 0 {
				out.Message = "no files match " + src.Path
			}
			return out, nil
		},
	}
}

// sourceFingerprint summarises the files a source would read (name, size,
// modification time) so an unchanged drop folder skips the ingest job.
func sourceFingerprint(env *Env, name string) (string, error) {
	src, ok := env.Cfg.Source(name)
	if !ok {
		return "", fmt.Errorf("unknown source %q", name)
	}
	files, err := filepath.Glob(env.Cfg.Resolve(src.Path))
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	h := sha256.New()
	// The source's config decides what its files give: a changed one runs
	// the job again (and its rejected files are read again, see
	// ingest.ConfigHash).
	fmt.Fprintf(h, "%s\n", ingest.ConfigHash(src))
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s|%d|%d\n", f, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func runCore(ctx context.Context, env *Env) (Result, error) {
	raw, err := warehouse.Count(ctx, env.WH, "raw_order_lines")
	if err != nil {
		return Result{}, err
	}
	var up CoreUpdate
	if env.Full {
		up.Full, up.Reason = true, "full rebuild asked for"
		up.Lines, err = BuildCore(ctx, env.WH)
	} else {
		up, err = UpdateCore(ctx, env.WH)
	}
	if err != nil {
		return Result{}, err
	}
	orders, _ := warehouse.Count(ctx, env.WH, "orders")
	how := fmt.Sprintf("incremental: %d new loads, %d orders touched", up.NewLoads, up.Orders)
	if up.Full {
		how = "rebuilt: " + up.Reason
	}
	attrs := []any{"full", up.Full, "reason", up.Reason, "new_loads", up.NewLoads, "orders_touched", up.Orders}
	for _, st := range up.Steps {
		attrs = append(attrs, st.What, st.Seconds)
	}
	env.Log.Info("core", attrs...)
	return Result{RowsIn: raw, RowsOut: up.Lines, Message: fmt.Sprintf("%d order lines, %d orders (%s)", up.Lines, orders, how),
		Figures: map[string]float64{"orders_touched": float64(up.Orders), "new_loads": float64(up.NewLoads)}}, nil
}
