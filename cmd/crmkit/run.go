package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

func init() {
	register(command{name: "run", summary: "run jobs: the whole chain (default), one job, a group, or from a failed job on", run: cmdRun})
	register(command{name: "status", summary: "show run history (last runs per job)", run: cmdStatus})
	register(command{name: "jobs", summary: "list the jobs of the chain in dependency order", run: cmdJobs})
}

func cmdJobs(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet("jobs", "jobs [--config FILE]")
	cf.bind(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(cf.config)
	if err != nil {
		return err
	}
	g := jobs.Nightly(cfg)
	if err := g.Err(); err != nil {
		return err
	}
	// One line per job in dependency order: its upstream jobs (derived
	// from the tables), the tables it reads (a "?" marks one read when
	// present), and the tables it writes.
	for _, n := range g.Names() {
		j, _ := g.Job(n)
		reads := slices.Clone(j.Reads)
		for _, t := range j.MayRead {
			reads = append(reads, t+"?")
		}
		line := fmt.Sprintf("%-28s group=%-9s deps=%s reads=%s writes=%s", n, j.Group, strings.Join(j.Deps, ","), strings.Join(reads, ","), strings.Join(j.Writes, ","))
		if len(j.After) > 0 {
			line += " after=" + strings.Join(j.After, ",")
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

func cmdRun(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet("run", "run [flags] [JOB|GROUP|chain ...]\n\nWith no job, runs the whole chain. Groups: ingest, identity, core, models, checks, publish (crmkit jobs lists them).")
	cf.bind(fs)
	withDeps := fs.Bool("with-deps", false, "also run the selected jobs' upstream")
	from := fs.String("from", "", "resume: run this job and everything downstream of it")
	force := fs.Bool("force", false, "run jobs even when their inputs are unchanged")
	resend := fs.Bool("resend", false, "send scorecard mail again even when the delivery log says it was accepted for this as-of date")
	full := fs.Bool("full", false, "rebuild from the raw tables: every selected job runs (as --force) and takes its full path, not the incremental one")
	asOf := fs.String("as-of", "", "business date YYYY-MM-DD (default: config as_of, else the newest order date)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(cf.config)
	if err != nil {
		return err
	}
	log := cf.logger()
	warnSourcesWithoutFiles(log, cfg)
	g := jobs.Nightly(cfg)
	var plan []string
	switch {
	case *from != "":
		plan, err = g.Downstream(*from)
	case fs.NArg() == 0:
		plan, err = g.Plan(g.Names(), false)
	default:
		var sel []string
		sel, err = g.Resolve(fs.Args())
		if err == nil {
			plan, err = g.Plan(sel, *withDeps)
		}
	}
	if err != nil {
		return usageError{err.Error()}
	}
	var asOfT time.Time
	if *asOf != "" {
		asOfT, err = time.ParseInLocation("2006-01-02", *asOf, cfg.Location)
		if err != nil {
			return usageError{fmt.Sprintf("--as-of: want YYYY-MM-DD, got %q", *asOf)}
		}
	}
	sess, err := jobs.Open(ctx, cfg, "crmkit run")
	if err != nil {
		return err
	}
	defer sess.Close()
	if sess.Lock.TookOver != nil {
		log.Warn("took over a stale lock", "pid", sess.Lock.TookOver.PID, "host", sess.Lock.TookOver.Host, "since", sess.Lock.TookOver.Started)
	}
	if n, err := jobs.MarkAbandoned(ctx, sess.WH); err == nil && n > 0 {
		log.Warn("marked runs left running by a dead process as abandoned", "runs", n)
	}
	if n, err := jobs.Prune(ctx, sess.WH, cfg.Jobs.KeepRunsDays); err == nil && n > 0 {
		log.Info("pruned old run history", "runs", n, "keep_days", cfg.Jobs.KeepRunsDays)
	}
	r := &jobs.Runner{Graph: g, Cfg: cfg, WH: sess.WH, Log: log, AsOf: asOfT, Force: *force || *full, Full: *full, Resend: *resend, Hooks: faultHooks(), Heartbeat: sess.Heartbeat}
	chainID := jobs.NewChainID(time.Now())
	bar := newJobProgress(len(plan))
	r.OnFinish = bar.done
	res, err := r.Run(ctx, chainID, "", plan)
	bar.wait()
	if err != nil {
		return err
	}
	printRuns(res.Runs)
	fmt.Fprintf(stdout, "chain %s: %d jobs, %d failed; outputs in %s\n", chainID, len(res.Runs), len(res.Failed), cfg.Resolve(cfg.OutputDir))
	if err := res.Err(); err != nil {
		jobs.NotifyFailure(ctx, cfg, sess.WH, log, res)
		return err
	}
	return nil
}

func printRuns(runs []jobs.RunRecord) {
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSTATUS\tSECONDS\tROWS IN\tROWS OUT\tQUARANTINED\tMESSAGE")
	for _, r := range runs {
		msg := r.Message
		if r.Error != "" {
			msg = r.Error
		}
		if len(msg) > 120 {
			msg = msg[:117] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%d\t%d\t%d\t%s\n", r.Job, r.Status, r.Duration().Seconds(), r.RowsIn, r.RowsOut, r.RowsQuarantined, msg)
	}
	tw.Flush()
}

func cmdStatus(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet("status", "status [--json] [--job JOB] [--limit N]")
	cf.bind(fs)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	job := fs.String("job", "", "only this job")
	limit := fs.Int("limit", 0, "rows (default: the last run of each job)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(cf.config)
	if err != nil {
		return err
	}
	cf.logger()
	wh, err := jobs.OpenReadOnly(ctx, cfg)
	var locked *jobs.LockedError
	if errors.As(err, &locked) {
		// A run holds the warehouse: show what its heartbeat says.
		return printHeartbeat(jobs.HeartbeatPath(cfg), locked, *asJSON)
	}
	if errors.Is(err, warehouse.ErrNoWarehouse) {
		fmt.Fprintf(stdout, "no runs yet (no warehouse at %s)\n", cfg.Resolve(cfg.Warehouse.Path))
		return nil
	}
	if err != nil {
		return err
	}
	defer wh.Close()
	var runs []jobs.RunRecord
	if *limit > 0 || *job != "" {
		runs, err = jobs.History(ctx, wh, *job, *limit)
	} else {
		runs, err = jobs.LastPerJob(ctx, wh)
	}
	if err != nil {
		return err
	}
	if err := jobs.ShowAbandoned(ctx, wh, runs); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if runs == nil {
			runs = []jobs.RunRecord{}
		}
		return enc.Encode(runs)
	}
	if len(runs) == 0 {
		fmt.Fprintln(stdout, "no runs yet")
		return nil
	}
	return printRunTable(runs)
}

// printHeartbeat shows the state of the run holding the warehouse.
func printHeartbeat(path string, locked *jobs.LockedError, asJSON bool) error {
	st, err := jobs.ReadHeartbeat(path)
	if err != nil {
		return fmt.Errorf("%w (and no heartbeat to show: %w)", locked, err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"in_progress": st})
	}
	fmt.Fprintf(stdout, "run in progress: %s (pid %d on %s) since %s; heartbeat updated %s\n", st.Command, st.PID, st.Host,
		st.Started.Local().Format("2006-01-02 15:04:05"), st.Updated.Local().Format("15:04:05"))
	if len(st.Runs) == 0 {
		fmt.Fprintln(stdout, "no job started yet")
		return nil
	}
	return printRunTable(st.Runs)
}

func printRunTable(runs []jobs.RunRecord) error {
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tPARTITION\tRUN\tSTARTED\tSECONDS\tSTATUS\tROWS IN\tROWS OUT\tQUARANTINED\tMESSAGE")
	for _, r := range runs {
		msg := r.Message
		if r.Error != "" {
			msg = r.Error
		}
		if len(msg) > 100 {
			msg = msg[:97] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%s\t%d\t%d\t%d\t%s\n", r.Job, r.Partition, r.RunID, r.Started.Local().Format("2006-01-02 15:04:05"),
			r.Duration().Seconds(), r.Status, r.RowsIn, r.RowsOut, r.RowsQuarantined, msg)
	}
	return tw.Flush()
}

// faultHooks reads the fault-injection knobs used by the crash tests:
// CRMKIT_FAULT_BATCH_ROWS sets the ingest batch size and
// CRMKIT_FAULT_BATCH_SLEEP (a duration) pauses after every batch inside the
// file transaction, so a test can kill the process mid-file.
func faultHooks() jobs.Hooks {
	var h jobs.Hooks
	if v, err := strconv.Atoi(os.Getenv("CRMKIT_FAULT_BATCH_ROWS")); err == nil && v > 0 {
		h.BatchRows = v
	}
	if d, err := time.ParseDuration(os.Getenv("CRMKIT_FAULT_BATCH_SLEEP")); err == nil && d > 0 {
		h.AfterBatch = func(string, int64) error { time.Sleep(d); return nil }
	}
	return h
}
