package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/crmkit/crmkit/jobs/bench"
)

func init() {
	register(command{name: "bench", summary: "generate N customers (cached) and time every stage of the chain against DuckDB SQL twins", run: cmdBench})
}

func cmdBench(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet("bench", "bench [--customers N] [--seed S] [--dir bench]")
	cf.bind(fs)
	customers := fs.Int("customers", 1_000_000, "people to generate (about 10 order lines each)")
	seed := fs.Uint64("seed", 42, "generator seed")
	dir := fs.String("dir", "bench", "work folder: generated data is cached here by size and seed")
	threads := fs.Int("threads", 0, "DuckDB threads (0: all cores)")
	memLimit := fs.String("memory-limit", "1GB", "DuckDB memory_limit for the run (1GB keeps the 1M-customer chain under 4 GiB)")
	par := fs.Int("parallelism", 1, "jobs run at once (1: clean per-stage timings and the lowest peak memory; 2 is no faster on 2 cores)")
	nightly := fs.Bool("nightly", true, "after the full chain, add one generated day and run the chain on it, then once more with nothing new, and check the marts against a full rebuild")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := cf.logger()
	stop, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	rep, err := bench.Run(ctx, bench.Options{ConfigPath: cf.config, Dir: *dir, Customers: *customers, Seed: *seed, Threads: *threads, Log: log,
		MemoryLimit: *memLimit, Parallelism: *par, Nightly: *nightly,
		Progress: func(stage string) {
			if isTerminal(os.Stderr) {
				fmt.Fprintf(os.Stderr, "  done: %s\n", stage)
			}
		}})
	if err != nil {
		return err
	}
	rep.Print(stdout)
	out := filepath.Join(*dir, fmt.Sprintf("bench-%d-%d.json", *customers, *seed))
	if err := rep.WriteJSON(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nreport written to %s\n", out)
	return nil
}
