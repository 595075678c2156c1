package suggest

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/source"
)

func q(s string) string { return strconv.Quote(s) }

// YAML renders the suggestion as a ready `sources:` block, followed by
// comments listing the columns left unmapped and the notes.
func (sg *Suggestion) YAML() string {
	s := &sg.Source
	var b strings.Builder
	fmt.Fprintf(&b, "sources:\n  - name: %s\n    table: %s\n", s.Name, s.Table)
	if s.Channel != "" {
		fmt.Fprintf(&b, "    channel: %s\n", s.Channel)
	}
	fmt.Fprintf(&b, "    path: %s\n    format: %s\n", q(s.Path), s.Format)
	if s.Encoding != "" && s.Encoding != "utf-8" {
		fmt.Fprintf(&b, "    encoding: %s\n", s.Encoding)
	}
	if s.Delimiter != "" {
		fmt.Fprintf(&b, "    delimiter: %s\n", q(s.Delimiter))
	}
	if !s.HasHeader() {
		b.WriteString("    header: false\n")
	}
	if s.TimestampLayout != "" {
		fmt.Fprintf(&b, "    timestamp_layout: %s\n", q(s.TimestampLayout))
	}
	tbl, _ := schema.Lookup(s.Table)
	writeMap := func(key string, m map[string]string) {
		if len(m) == 0 {
			return
		}
		fmt.Fprintf(&b, "    %s:\n", key)
		for _, f := range tbl.Fields {
			if v, ok := m[f.Name]; ok {
				fmt.Fprintf(&b, "      %s: %s\n", f.Name, q(v))
			}
		}
	}
	writeMap("columns", s.Columns)
	writeMap("constants", s.Constants)
	if r := s.Returns; r != nil {
		b.WriteString("    returns:\n")
		if r.NegativeQty {
			b.WriteString("      negative_qty: true\n")
		}
		if r.OrderIDPrefix != "" {
			fmt.Fprintf(&b, "      order_id_prefix: %s\n", q(r.OrderIDPrefix))
		}
		if r.OriginalFromPrefix {
			b.WriteString("      original_from_prefix: true\n")
		}
	}
	if len(sg.Unmapped) > 0 {
		fmt.Fprintf(&b, "# not mapped: %s\n", strings.Join(sg.Unmapped, ", "))
	}
	var missing []string
	for _, f := range tbl.Fields {
		_, c := s.Columns[f.Name]
		_, k := s.Constants[f.Name]
		if f.Required && !c && !k && !config.Derivable(s.Table, f.Name) {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "# required and not found (map or set as constants): %s\n", strings.Join(missing, ", "))
	}
	for _, n := range sg.Notes {
		fmt.Fprintf(&b, "# note: %s\n", n)
	}
	fmt.Fprintf(&b, "# naive timestamps are read in the config's timezone; set timezone: here if the file's differs\n")
	return b.String()
}

// Report is what Check found on the sampled rows.
type Report struct {
	Rows, Loaded, Quarantined int
	// Reasons lists each (column, reason) with its count and the first
	// row numbers, most frequent first.
	Reasons []Reason
}

// Reason is one kind of quarantine in a check.
type Reason struct {
	Column, Reason, Example string
	Count                   int
	Rows                    []int64
}

// Check parses block (a `sources:` block with one source, as YAML gives
// it) as a config, reads up to SampleRows records of the source's file
// with that source's options and mapping, and reports what would load and
// what would be quarantined and why. It writes nothing.
func Check(block, file string) (*Report, error) {
	raw := "warehouse:\n  path: check.duckdb\n" + block
	cfg, err := config.Parse("suggested block", []byte(raw))
	if err != nil {
		return nil, err
	}
	src := &cfg.Sources[0]
	rd, err := source.Open(src.Format, file, ingest.SourceOptions(src))
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", file, err)
	}
	defer rd.Close()
	m, err := ingest.NewMapping(src, file, rd.Header())
	if err != nil {
		return nil, err
	}
	bld := m.NewBuilder(memory.NewGoAllocator(), "check")
	defer bld.Release()
	rep := &Report{}
	by := map[string]*Reason{}
	for rep.Rows < SampleRows {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %q: %w", file, err)
		}
		rep.Rows++
		p := bld.Add(r)
		if p == nil {
			rep.Loaded++
			if bld.Len() >= 1024 {
				if rec := bld.Flush(); rec != nil {
					rec.Release()
				}
			}
			continue
		}
		rep.Quarantined++
		k := p.Column + "\x00" + p.Reason
		rs := by[k]
		if rs == nil {
			rs = &Reason{Column: p.Column, Reason: p.Reason, Example: p.Detail}
			by[k] = rs
		}
		rs.Count++
		if len(rs.Rows) < 5 {
			rs.Rows = append(rs.Rows, r.Num)
		}
	}
	if rec := bld.Flush(); rec != nil {
		rec.Release()
	}
	for _, r := range by {
		rep.Reasons = append(rep.Reasons, *r)
	}
	sort.Slice(rep.Reasons, func(i, j int) bool {
		a, b := rep.Reasons[i], rep.Reasons[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Column+a.Reason < b.Column+b.Reason
	})
	return rep, nil
}

// String renders the report for a terminal.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "check: %d sampled rows: %d would load, %d would be quarantined\n", r.Rows, r.Loaded, r.Quarantined)
	for _, x := range r.Reasons {
		rows := make([]string, len(x.Rows))
		for i, n := range x.Rows {
			rows[i] = strconv.FormatInt(n, 10)
		}
		col := x.Column
		if col == "" {
			col = "(row)"
		}
		fmt.Fprintf(&b, "  %d × %s %s (rows %s): %s\n", x.Count, col, x.Reason, strings.Join(rows, ", "), x.Example)
	}
	return b.String()
}
