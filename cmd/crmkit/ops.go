package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
)

func init() {
	register(command{name: "backfill", summary: "run a job (or group) for each day/month partition of a date range", run: cmdBackfill})
	register(command{name: "schedule", summary: "run the scheduler daemon (cron specs from the config; catches up missed runs)", run: cmdSchedule})
}

func cmdBackfill(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet("backfill", "backfill JOB --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run] [--unit day|month] [--with-deps]")
	cf.bind(fs)
	from := fs.String("from", "", "first date (required)")
	to := fs.String("to", "", "last date (required)")
	dry := fs.Bool("dry-run", false, "list what would run and exit")
	unit := fs.String("unit", "", "partition unit: day or month (default: the job's own)")
	withDeps := fs.Bool("with-deps", false, "also run the job's upstream for each partition")
	// Allow the job name before or after the flags.
	var job string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		job, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if job == "" && fs.NArg() > 0 {
		job = fs.Arg(0)
	}
	if job == "" || *from == "" || *to == "" {
		return usageError{"backfill needs JOB, --from and --to"}
	}
	cfg, err := config.Load(cf.config)
	if err != nil {
		return err
	}
	log := cf.logger()
	g := jobs.Nightly(cfg)
	sel, err := g.Resolve([]string{job})
	if err != nil {
		return usageError{err.Error()}
	}
	plan, err := g.Plan(sel, *withDeps)
	if err != nil {
		return usageError{err.Error()}
	}
	f, err1 := time.ParseInLocation("2006-01-02", *from, cfg.Location)
	t, err2 := time.ParseInLocation("2006-01-02", *to, cfg.Location)
	if err1 != nil || err2 != nil {
		return usageError{"--from and --to want YYYY-MM-DD"}
	}
	u := *unit
	if u == "" {
		j, _ := g.Job(sel[0])
		u = j.Partitioned
		if u == "" {
			u = "month"
		}
	}
	parts, err := jobs.Partitions(f, t, u)
	if err != nil {
		return usageError{err.Error()}
	}
	if *dry {
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PARTITION\tAS OF\tJOBS")
		for _, p := range parts {
			fmt.Fprintf(tw, "%s\t%s\t%v\n", p.Label, p.AsOf.Format("2006-01-02"), plan)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "dry run: %d partitions x %d jobs would run\n", len(parts), len(plan))
		return nil
	}
	sess, err := jobs.Open(ctx, cfg, "crmkit backfill "+job)
	if err != nil {
		return err
	}
	defer sess.Close()
	r := &jobs.Runner{Graph: g, Cfg: cfg, WH: sess.WH, Log: log, Heartbeat: sess.Heartbeat}
	bar := newCountProgress("backfill", int64(len(parts)))
	results, err := r.Backfill(ctx, plan, parts, func(done int, _ jobs.BackfillResult) { bar.set(int64(done)) })
	bar.wait()
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTITION\tAS OF\tRESULT\tROWS OUT\tSECONDS")
	failed := 0
	for _, b := range results {
		var rows int64
		var secs float64
		for _, rr := range b.Runs {
			rows += rr.RowsOut
			secs += rr.Duration().Seconds()
		}
		res := "ok"
		if b.Err != nil {
			res = "failed: " + b.Err.Error()
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.2f\n", b.Partition.Label, b.Partition.AsOf.Format("2006-01-02"), res, rows, secs)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "backfill %s: %d partitions, %d failed\n", job, len(results), failed)
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d partitions failed", failed, len(results))
	}
	return nil
}

func cmdSchedule(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet("schedule", "schedule [--config FILE]  (stop with SIGINT/SIGTERM; running jobs finish or roll back)")
	cf.bind(fs)
	grace := fs.Duration("grace", 5*time.Minute, "how long running jobs may finish after a stop signal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(cf.config)
	if err != nil {
		return err
	}
	log := cf.logger()
	if len(cfg.Schedules) == 0 {
		return errors.New("the config has no schedules")
	}
	warnSourcesWithoutFiles(log, cfg)
	d := &jobs.Daemon{Cfg: cfg, Log: log, Grace: *grace, Run: jobs.DefaultSlotRunner(cfg, log), Done: jobs.SlotDone(cfg), LastSlots: jobs.LastSlots(cfg)}
	log.Info("scheduler started", "schedules", len(cfg.Schedules), "catchup", cfg.Jobs.Catchup, "catchup_window", cfg.Jobs.CatchupWindow.D().String(),
		"catchup_max_runs", cfg.Jobs.CatchupMaxRuns, "grace", grace.String())
	return d.Serve(ctx)
}

// warnSourcesWithoutFiles logs a warning for each source whose glob matches
// no file, before any work starts.
func warnSourcesWithoutFiles(log *slog.Logger, cfg *config.Config) {
	for _, w := range cfg.SourcesWithoutFiles() {
		log.Warn("source has no files", "source", w)
	}
}
