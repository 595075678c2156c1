package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/ingest"
)

func init() {
	register(command{name: "reload", summary: "remove a source's files (all, or --file GLOB) from the warehouse and load them again with the current config", run: cmdReload})
	register(command{name: "unload", summary: "remove a source's files matching --file GLOB from the warehouse and keep them out", run: cmdUnload})
}

func cmdReload(ctx context.Context, args []string) error {
	return reloadOrUnload(ctx, "reload", args)
}

func cmdUnload(ctx context.Context, args []string) error {
	return reloadOrUnload(ctx, "unload", args)
}

// reloadOrUnload removes the chosen files' raw rows, quarantine rows and
// manifest rows in one transaction (ingest.Unload), then runs the jobs
// downstream of the source: reload first loads the files again (its
// ingest job runs whatever the fingerprint says); unload records them as
// unloaded so that later runs pass them over, and rebuilds what follows
// without them.
func reloadOrUnload(ctx context.Context, name string, args []string) error {
	var cf commonFlags
	usage := "reload SOURCE [--file GLOB]\n\nGLOB matches the file names as the manifest records them (relative to the config's folder) or, without a slash, their base names. Default: every file of the source."
	if name == "unload" {
		usage = "unload SOURCE --file GLOB\n\nGLOB matches the file names as the manifest records them (relative to the config's folder) or, without a slash, their base names."
	}
	fs := newFlagSet(name, usage)
	cf.bind(fs)
	glob := fs.String("file", "", "files to "+name+" (glob)")
	asOf := fs.String("as-of", "", "business date YYYY-MM-DD for the downstream jobs (default: config as_of, else the newest order date)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{name + " needs exactly one SOURCE"}
	}
	srcName := fs.Arg(0)
	if *glob == "" {
		if name == "unload" {
			return usageError{"unload needs --file GLOB (unload every file with --file '*')"}
		}
		*glob = "*"
	}
	cfg, err := config.Load(cf.config)
	if err != nil {
		return err
	}
	src, ok := cfg.Source(srcName)
	if !ok {
		return usageError{fmt.Sprintf("source %q is not in %s", srcName, cfg.Path)}
	}
	var asOfT time.Time
	if *asOf != "" {
		if asOfT, err = time.ParseInLocation("2006-01-02", *asOf, cfg.Location); err != nil {
			return usageError{fmt.Sprintf("--as-of: want YYYY-MM-DD, got %q", *asOf)}
		}
	}
	log := cf.logger()
	g := jobs.Nightly(cfg)
	plan, err := g.Downstream(jobs.IngestJobName(srcName))
	if err != nil {
		return err
	}
	if name == "unload" {
		plan = slices.DeleteFunc(plan, func(j string) bool { return j == jobs.IngestJobName(srcName) })
	}
	sess, err := jobs.Open(ctx, cfg, "crmkit "+name)
	if err != nil {
		return err
	}
	defer sess.Close()
	chainID := jobs.NewChainID(time.Now())
	res, err := ingest.Unload(ctx, sess.WH, src, *glob, name == "unload", chainID)
	if err != nil {
		return err
	}
	if len(res.Files) == 0 {
		return fmt.Errorf("%s %s: no file of the source recorded in the manifest matches %q", name, srcName, *glob)
	}
	log.Info("files unloaded", "source", srcName, "files", len(res.Files), "rows", res.RowsLoaded, "rows_quarantined", res.RowsQuarantined)
	fmt.Fprintf(stdout, "%s %s: removed %d files (%d rows, %d quarantined rows)\n", name, srcName, len(res.Files), res.RowsLoaded, res.RowsQuarantined)
	r := &jobs.Runner{Graph: g, Cfg: cfg, WH: sess.WH, Log: log, AsOf: asOfT, Force: true, Hooks: faultHooks()}
	bar := newJobProgress(len(plan))
	r.OnFinish = bar.done
	cres, err := r.Run(ctx, chainID, "", plan)
	bar.wait()
	if err != nil {
		return err
	}
	printRuns(cres.Runs)
	fmt.Fprintf(stdout, "chain %s: %d jobs, %d failed\n", chainID, len(cres.Runs), len(cres.Failed))
	if err := cres.Err(); err != nil {
		jobs.NotifyFailure(ctx, cfg, sess.WH, log, cres)
		return err
	}
	return nil
}
