package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/jobs/publish"
	"github.com/crmkit/crmkit/reports/segmentfile"
)

func init() {
	register(command{name: "segment", summary: "segment export NAME --format csv|xlsx|parquet: write a marketing segment file", run: cmdSegment})
}

func cmdSegment(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "list") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdout, "Usage: crmkit segment export NAME [--format csv|xlsx|parquet] [--out FILE] [--as-of DATE]\n       crmkit segment list")
			return nil
		}
		return usageError{"usage: crmkit segment export NAME --format csv|xlsx|parquet | crmkit segment list"}
	}
	sub := args[0]
	var cf commonFlags
	fs := newFlagSet("segment "+sub, "segment export NAME [--format csv|xlsx|parquet] [--out FILE] [--as-of DATE]")
	cf.bind(fs)
	format := fs.String("format", "csv", "csv, xlsx or parquet")
	outPath := fs.String("out", "", "output file (default: <output_dir>/segments/NAME.<format>)")
	asOf := fs.String("as-of", "", "as-of date YYYY-MM-DD (default: as the chain)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load(cf.config)
	if err != nil {
		return err
	}
	log := cf.logger()
	if sub == "list" {
		for _, s := range cfg.Segments {
			fmt.Fprintf(stdout, "%-24s %s\n", s.Name, s.Where)
		}
		return nil
	}
	if fs.NArg() != 1 {
		return usageError{"segment export needs exactly one segment NAME"}
	}
	name := fs.Arg(0)
	var seg *config.Segment
	for i := range cfg.Segments {
		if cfg.Segments[i].Name == name {
			seg = &cfg.Segments[i]
		}
	}
	if seg == nil {
		return usageError{fmt.Sprintf("no segment named %q in %s (crmkit segment list)", name, cfg.Path)}
	}
	opts, fileName, err := publish.SegmentExport(cfg, *seg)
	if err != nil {
		return err
	}
	sess, err := jobs.Open(ctx, cfg, "crmkit segment export")
	if err != nil {
		return err
	}
	defer sess.Close()
	env := &jobs.Env{Cfg: cfg, WH: sess.WH, Log: log}
	if *asOf != "" {
		t, err := time.ParseInLocation("2006-01-02", *asOf, cfg.Location)
		if err != nil {
			return usageError{"--as-of wants YYYY-MM-DD"}
		}
		env.AsOf = t
	}
	day, err := env.ResolveAsOf(ctx)
	if err != nil {
		return err
	}
	tags, err := publish.CustomerTags(ctx, sess.WH, day)
	if err != nil {
		return err
	}
	res, err := publish.EvaluateSegment(*seg, tags)
	for _, t := range tags {
		t.Release()
	}
	if err != nil {
		return err
	}
	defer res.Release()
	path := *outPath
	if path == "" {
		path = filepath.Join(cfg.Resolve(cfg.OutputDir), "segments", fileName+"."+*format)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	n, err := segmentfile.WriteAll(res.Members, path, *format, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "segment %s (%s) as of %s: %d customers written to %s (privacy: %s)\n", name, seg.Where, day.Format("2006-01-02"), n, path, opts.Privacy)
	return nil
}
