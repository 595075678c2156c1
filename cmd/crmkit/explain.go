package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
)

func init() {
	register(command{name: "explain", summary: "explain why records are one customer: records, linking identifiers, refused identifiers, merges and splits", run: cmdExplain})
}

func cmdExplain(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet("explain", `explain [--config FILE] [--json] customer ID
       crmkit explain [--config FILE] [--json] record SOURCE KEY

customer ID: the customer's records (table and key, source, file and row),
each record's identifiers as written and as stitching read them, the path
of identifiers joining every record to the first one, the identifiers
refused on these records and why, and the merges and splits of the id.

record SOURCE KEY: the same for the customer of one record. SOURCE is a
source name of the config (or a table name); KEY is the record's key in
identity_assignments, an order id, or FILE:ROW (the file's name and the
row, as explain prints them: for CSV the line, the header being line 1).

The warehouse is opened read-only.`)
	cf.bind(fs)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 || (rest[0] == "customer" && len(rest) != 2) || (rest[0] == "record" && len(rest) != 3) || (rest[0] != "customer" && rest[0] != "record") {
		return usageError{"explain takes: customer ID, or record SOURCE KEY"}
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
	var ex *jobs.Explanation
	if rest[0] == "customer" {
		ex, err = jobs.ExplainCustomer(ctx, cfg, wh, rest[1])
	} else {
		ex, err = jobs.ExplainRecordOf(ctx, cfg, wh, rest[1], rest[2])
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
	return writeExplanation(stdout, ex)
}

// writeExplanation renders an explanation as text: records numbered R1,
// R2 ... in order of ts, then the path, the refused identifiers and the
// history.
func writeExplanation(w io.Writer, ex *jobs.Explanation) error {
	num := map[jobs.RecordRef]string{}
	sources := map[string]bool{}
	for i, r := range ex.Records {
		num[r.RecordRef] = fmt.Sprintf("R%d", i+1)
		sources[r.Source] = true
	}
	name := func(r jobs.RecordRef) string {
		if n, ok := num[r]; ok {
			return n
		}
		return r.String()
	}
	var b strings.Builder
	switch {
	case ex.CustomerID == "":
		fmt.Fprintf(&b, "Record %s has no customer: none of its identifiers links.\n", ex.Record)
	case ex.Record != nil:
		fmt.Fprintf(&b, "Record %s (%s) belongs to customer %s: %d records from %d sources.\n", ex.Record, name(*ex.Record), ex.CustomerID, len(ex.Records), len(sources))
	default:
		fmt.Fprintf(&b, "Customer %s: %d records from %d sources.\n", ex.CustomerID, len(ex.Records), len(sources))
	}
	b.WriteString("\nRecords\n")
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	for _, r := range ex.Records {
		where := r.File
		if where == "" {
			where = "(raw rows gone)"
		} else {
			where = fmt.Sprintf("%s row %d", r.File, r.Row)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", num[r.RecordRef], r.RecordRef, r.Source, where, r.TS)
		for _, id := range r.Identifiers {
			st := id.Status
			if id.Reason != "" {
				st += ": " + id.Reason
			}
			if id.Detail != "" {
				st += " (" + id.Detail + ")"
			}
			val := id.Value
			if val == "" {
				val = "-"
			}
			col := id.Column
			if id.Declared != "" {
				col += " (" + id.Declared + ")"
			}
			fmt.Fprintf(tw, "  \t  %s\t%q\t-> %s:%s\t%s\n", col, id.Raw, id.Type, val, st)
		}
	}
	tw.Flush()
	if len(ex.Links) > 0 {
		b.WriteString("\nPath (record -> identifier -> record)\n")
		for _, l := range ex.Links {
			fmt.Fprintf(&b, "  %s -> %s -> %s\n", name(l.From), l.Identifier, name(l.To))
		}
	}
	b.WriteString("\nRefused identifiers\n")
	if len(ex.Refused) == 0 {
		b.WriteString("  none\n")
	}
	for _, r := range ex.Refused {
		var on []string
		for _, rec := range r.Records {
			on = append(on, name(rec))
		}
		why := r.Reason
		if r.Detail != "" {
			why += " (" + r.Detail + ")"
		}
		fmt.Fprintf(&b, "  %s: %s; on %s", r.Identifier, why, strings.Join(on, ", "))
		if r.AllRecords > 0 {
			fmt.Fprintf(&b, "; records carrying it: %d, strong ids beside it: %d, phones or emails beside it: %d", r.AllRecords, r.StrongIDs, r.WeakIDs)
		}
		b.WriteString("\n")
	}
	if ex.CustomerID != "" {
		b.WriteString("\nHistory (merges and splits)\n")
		if len(ex.History) == 0 {
			b.WriteString("  none\n")
		}
		for _, h := range ex.History {
			via := ""
			if h.Identifier != "" {
				via = " by " + h.Identifier
			}
			switch h.Change {
			case "merge":
				fmt.Fprintf(&b, "  run %s: merge: %s absorbed into %s%s\n", h.RunID, h.Absorbed, h.Surviving, via)
			default:
				fmt.Fprintf(&b, "  run %s: %s: %s left %s%s\n", h.RunID, h.Change, h.Absorbed, h.Surviving, via)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
