// Command crmkit runs the customer-analytics job suite: it generates sample
// exports, ingests them into the warehouse, stitches identities, runs the
// customer-value models and publishes the scorecards, by hand or on a
// schedule.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands []command

func register(c command) { commands = append(commands, c) }

// usageError marks a bad invocation (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	// A soft heap limit keeps the garbage collector ahead of large Arrow
	// batches (DuckDB's own memory is bounded by warehouse.memory_limit,
	// query results are kept outside the Go heap); with memory_limit 1GB it
	// keeps the 1M-customer chain under 4 GiB. GOMEMLIMIT in the
	// environment overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1200 << 20)
	}
	// CRMKIT_CPUPROFILE names a file for a CPU profile (pprof) of any
	// command, for performance work on a single job.
	stop, err := startCPUProfile(os.Getenv("CRMKIT_CPUPROFILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crmkit:", err)
		os.Exit(1)
	}
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startCPUProfile starts a CPU profile written to path (nothing when path
// is empty); stop ends it and closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

var (
	stdout    io.Writer = os.Stdout
	logOutput io.Writer = os.Stderr
)

func run(args []string, out, errOut io.Writer) int {
	stdout, logOutput = out, errOut
	if err := registerPlugins(); err != nil {
		fmt.Fprintf(errOut, "crmkit: %v\n", err)
		return 1
	}
	sort.Slice(commands, func(i, j int) bool { return commands[i].name < commands[j].name })
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, args[1:])
			if err == nil {
				return 0
			}
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintf(errOut, "crmkit %s: %s\n", c.name, oneLine(err))
			var ue usageError
			if errors.As(err, &ue) {
				return 2
			}
			return 1
		}
	}
	fmt.Fprintf(errOut, "crmkit: unknown command %q (run crmkit --help)\n", args[0])
	return 2
}

// oneLine folds a (possibly joined) error onto one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "crmkit: customer analytics job suite (ingest, stitch, models, scorecards)")
	fmt.Fprintln(w, "\nUsage: crmkit <command> [flags]   (crmkit <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

// isTerminal reports whether f is a character device (an interactive terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newLogger logs text on a terminal and JSON otherwise (format overrides).
func newLogger(format string, verbose, quiet bool) *slog.Logger {
	lvl := slog.LevelInfo
	if verbose {
		lvl = slog.LevelDebug
	}
	if quiet {
		lvl = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "" || format == "auto" {
		format = "json"
		if isTerminal(os.Stderr) {
			format = "text"
		}
	}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(logOutput, opts)
	} else {
		h = slog.NewTextHandler(logOutput, opts)
	}
	return slog.New(h)
}

// commonFlags are shared by commands that use a config.
type commonFlags struct {
	config    string
	logFormat string
	verbose   bool
	quiet     bool
}

func (c *commonFlags) bind(fs *flag.FlagSet) {
	def := os.Getenv("CRMKIT_CONFIG")
	if def == "" {
		def = "config/example.yaml"
	}
	fs.StringVar(&c.config, "config", def, "config file (env CRMKIT_CONFIG)")
	fs.StringVar(&c.logFormat, "log-format", "auto", "log format: auto (text on a terminal, JSON otherwise), text or json")
	fs.BoolVar(&c.verbose, "v", false, "verbose logs")
	fs.BoolVar(&c.quiet, "q", false, "only warnings and errors in the logs")
}

func (c *commonFlags) logger() *slog.Logger {
	l := newLogger(c.logFormat, c.verbose, c.quiet)
	slog.SetDefault(l)
	return l
}

func newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: crmkit %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses flags anywhere among the arguments (flags may follow
// job names); positional arguments are kept in order.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}
