package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

func init() {
	register(command{name: "sql", summary: "run a read-only SQL query against the warehouse and print the result", run: cmdSQL})
}

func cmdSQL(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet("sql", `sql [--config FILE] "SELECT ..."

The warehouse is opened read-only: one query (SELECT or EXPLAIN) runs;
statements that write, attach, load extensions or read or write files
are refused.`)
	cf.bind(fs)
	limit := fs.Int("limit", 100, "print at most this many rows")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"sql takes one query argument"}
	}
	cfg, err := config.Load(cf.config)
	if err != nil {
		return err
	}
	cf.logger()
	wh, err := jobs.OpenReadOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer wh.Close()
	recs, err := wh.QueryReadOnly(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	defer warehouse.Release(recs)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	defer tw.Flush()
	n := 0
	for ri, r := range recs {
		if ri == 0 {
			var names []string
			for _, f := range r.Schema().Fields() {
				names = append(names, f.Name)
			}
			fmt.Fprintln(tw, strings.Join(names, "\t"))
		}
		for i := 0; i < int(r.NumRows()) && n < *limit; i++ {
			cells := make([]string, r.NumCols())
			for c := range cells {
				if r.Column(c).IsNull(i) {
					cells[c] = "NULL"
				} else {
					cells[c] = r.Column(c).ValueStr(i)
				}
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
			n++
		}
	}
	return nil
}
