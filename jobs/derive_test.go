package jobs

import (
	"strings"
	"testing"

	"github.com/crmkit/crmkit/config"
)

// TestDerive: the edges come from the tables; each case's deps and error
// are worked out by hand from its declarations.
func TestDerive(t *testing.T) {
	type decl struct {
		name                   string
		reads, may, writes, af []string
		deps                   []string // hand-written (refused)
	}
	cases := []struct {
		name     string
		provided []string
		jobs     []decl
		want     map[string]string // job -> derived deps
		err      string            // substring of the error, "" for none
	}{
		{name: "chain from tables", provided: []string{"raw"},
			jobs: []decl{
				{name: "load", reads: []string{"manifest"}, writes: []string{"raw", "manifest"}},
				{name: "build", reads: []string{"raw", "manifest"}, writes: []string{"orders"}},
				{name: "mart", reads: []string{"orders"}, writes: []string{"m"}},
				{name: "report", reads: []string{"orders"}, may: []string{"m", "absent"}, writes: []string{"facts"}},
			},
			want: map[string]string{"load": "", "build": "load", "mart": "build", "report": "build,mart"}},
		{name: "every writer of a table is upstream, in registration order",
			jobs: []decl{
				{name: "b", writes: []string{"t"}},
				{name: "a", writes: []string{"t"}},
				{name: "r", reads: []string{"t"}},
			},
			want: map[string]string{"r": "b,a"}},
		{name: "a table read and written is the job's own",
			jobs: []decl{
				{name: "i1", reads: []string{"manifest"}, writes: []string{"manifest"}},
				{name: "i2", reads: []string{"manifest"}, writes: []string{"manifest"}},
			},
			want: map[string]string{"i1": "", "i2": ""}},
		{name: "after is waited for, not a dependency",
			jobs: []decl{
				{name: "checks", writes: []string{"source_checks"}},
				{name: "publish", may: []string{"source_checks"}, af: []string{"checks"}},
			},
			want: map[string]string{"publish": ""}},
		{name: "a read nobody writes or provides",
			jobs:     []decl{{name: "social", reads: []string{"rfm", "orders"}}},
			provided: []string{"orders"},
			err:      "job social reads table rfm, which no job writes and no source provides"},
		{name: "hand-written deps are refused",
			jobs: []decl{{name: "a", writes: []string{"t"}}, {name: "b", deps: []string{"a"}}},
			err:  "job b names its dependencies by hand (a)"},
		{name: "cycle names jobs and tables",
			jobs: []decl{
				{name: "a", reads: []string{"y"}, writes: []string{"x"}},
				{name: "b", reads: []string{"x"}, writes: []string{"y"}},
			},
			err: "dependency cycle a -> b -> a: a reads y written by b; b reads x written by a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewGraph()
			for _, d := range c.jobs {
				g.Add(&Job{Name: d.name, Reads: d.reads, MayRead: d.may, Writes: d.writes, After: d.af, Deps: d.deps})
			}
			err := g.Derive(c.provided)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				if _, perr := g.Plan([]string{c.jobs[0].name}, true); perr == nil {
					t.Errorf("Plan on a graph with a broken declaration succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for n, want := range c.want {
				j, _ := g.Job(n)
				if got := strings.Join(j.Deps, ","); got != want {
					t.Errorf("%s deps = %q, want %q", n, got, want)
				}
			}
		})
	}
}

// TestNightlyGraphFromTables: the chain built from the declarations has no
// error and keeps its order: stitch after every ingest job, core after
// stitch, every model after core, publish after the models that write
// what it shows and after checks (as After, not a dependency).
func TestNightlyGraphFromTables(t *testing.T) {
	srcs := []string{"shop", "erp"}
	g := BuildGraph(sourcesOf(map[string]string{"shop": "order_lines", "erp": "products"}, srcs), StitchJob(),
		&Job{Name: JobPublish, Reads: []string{"orders"}, MayRead: []string{"m1", "absent"}},
		[]*Job{{Name: "m1", Reads: []string{"orders"}, Writes: []string{"m1"}}, {Name: "m2", Reads: []string{"order_lines"}, Writes: []string{"m2"}}})
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ingest:shop": "", "ingest:erp": "",
		JobStitch:  "ingest:shop,ingest:erp",
		JobCore:    "ingest:shop,ingest:erp,stitch",
		"m1":       "core",
		"m2":       "core",
		JobChecks:  "ingest:shop,ingest:erp",
		JobPublish: "core,m1",
	}
	for n, w := range want {
		j, ok := g.Job(n)
		if !ok {
			t.Fatalf("no job %s", n)
		}
		if got := strings.Join(j.Deps, ","); got != w {
			t.Errorf("%s deps = %q, want %q", n, got, w)
		}
	}
	if j, _ := g.Job(JobPublish); strings.Join(j.After, ",") != JobChecks {
		t.Errorf("publish after = %v, want [checks]", j.After)
	}
	if got := strings.Join(g.Names(), " "); got != "ingest:shop ingest:erp stitch core m1 m2 checks publish" {
		t.Errorf("order = %s", got)
	}
}

func sourcesOf(table map[string]string, names []string) []config.Source {
	var out []config.Source
	for _, n := range names {
		out = append(out, config.Source{Name: n, Table: table[n]})
	}
	return out
}
