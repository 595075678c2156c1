package main

import (
	"context"
	"fmt"

	"github.com/crmkit/crmkit/pipeline/suggest"
)

func init() {
	register(command{name: "source", summary: "source suggest FILE [--check]: propose the sources: block that loads an export", run: cmdSource})
}

// cmdSource is `crmkit source suggest FILE [--check]`: it prints a ready
// sources: block for FILE (format, encoding, delimiter, header, timestamp
// layout, column mapping, returns) and, with --check, what the sampled
// rows would load and quarantine under it. It reads FILE only.
func cmdSource(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "suggest" {
		return usageError{"want: crmkit source suggest FILE [--check]"}
	}
	fs := newFlagSet("source suggest", "source suggest FILE [--check]")
	check := fs.Bool("check", false, "run the sampled rows through the suggested mapping and report what would be quarantined (writes nothing)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"want: crmkit source suggest FILE [--check]"}
	}
	file := fs.Arg(0)
	sg, err := suggest.Suggest(file)
	if err != nil {
		return err
	}
	block := sg.YAML()
	fmt.Fprint(stdout, block)
	if !*check {
		return nil
	}
	rep, err := suggest.Check(block, file)
	if err != nil {
		return fmt.Errorf("check the suggested block on %q: %w", file, err)
	}
	fmt.Fprint(stdout, rep.String())
	return nil
}
