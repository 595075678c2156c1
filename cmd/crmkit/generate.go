package main

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit/pipeline/generate"
)

func init() {
	register(command{name: "generate", summary: "write deterministic sample exports for every source (and the identity ground truth)", run: cmdGenerate})
}

func cmdGenerate(ctx context.Context, args []string) error {
	fs := newFlagSet("generate", "generate [--out DIR] [--customers N] [--seed S] [--from DATE] [--to DATE]")
	out := fs.String("out", "data/sample", "output folder")
	customers := fs.Int("customers", 5000, "number of people")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same bytes)")
	from := fs.String("from", "2024-01-01", "first date of activity")
	to := fs.String("to", "2025-12-31", "last date of activity")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, err := time.Parse("2006-01-02", *from)
	if err != nil {
		return usageError{fmt.Sprintf("--from: want YYYY-MM-DD, got %q", *from)}
	}
	t, err := time.Parse("2006-01-02", *to)
	if err != nil {
		return usageError{fmt.Sprintf("--to: want YYYY-MM-DD, got %q", *to)}
	}
	if !t.After(f) {
		return usageError{"--to must be after --from"}
	}
	if *customers <= 0 {
		return usageError{"--customers must be positive"}
	}
	bar := newCountProgress("generate", int64(*customers))
	start := time.Now()
	sum, err := generate.Generate(generate.Options{Dir: *out, Customers: *customers, Seed: *seed, From: f, To: t,
		Progress: func(done, total int) { bar.set(int64(done)) }})
	bar.wait()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files to %s in %.1fs: %d people (%d buyers), %d order lines, %d rows in all, %d deliberately bad rows, %d anonymous receipts; truth in %s/truth/\n",
		len(sum.Files), *out, time.Since(start).Seconds(), sum.Persons, sum.Buyers, sum.OrderLines, sum.Rows, sum.BadRows, sum.AnonymousReceipts, *out)
	return nil
}
