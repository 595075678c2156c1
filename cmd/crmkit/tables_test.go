package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/sqltest"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// ensureRE is a statement that creates a table only when it is missing.
var ensureRE = regexp.MustCompile(`(?is)^\s*CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+([A-Za-z0-9_."]+)`)

// runnerTables are the runner's own tables that every job may read: a
// job's fingerprint hashes its dependencies' last productive runs in
// job_runs (jobs.Runner), which no job writes.
var runnerTables = []string{"job_runs"}

// undeclared checks each recorded statement against the tables its job
// declares (jobs.Job Reads, MayRead, Writes) and returns one line per
// table touched without a declaration: a table read that the job neither
// reads, may read nor writes, or a table written (or loaded) that it does
// not write. Names defined by WITH and temporary tables the job created
// earlier in the run are its own and not listed (sqlfile.ScanTemps). A
// CREATE TABLE IF NOT EXISTS of a table the job reads guards the read (the
// table is empty until its writer runs) and is no write.
func undeclared(g *jobs.Graph, stmts []sqltest.Statement) []string {
	temps := map[string]map[string]bool{}
	var out []string
	seen := map[string]bool{}
	for _, s := range stmts {
		j, ok := g.Job(s.Job)
		if !ok {
			out = append(out, fmt.Sprintf("statement of unknown job %s: %s", s.Job, first(s.SQL)))
			continue
		}
		if temps[s.Job] == nil {
			temps[s.Job] = map[string]bool{}
		}
		var reads, writes []string
		if s.Loaded != "" {
			writes = []string{strings.ToLower(s.Loaded)}
		} else {
			var tmp []string
			reads, writes, tmp = sqlfile.ScanTemps(s.SQL)
			for _, t := range tmp {
				temps[s.Job][t] = true
			}
		}
		report := func(kind, table string) {
			line := fmt.Sprintf("job %s %s table %s, which it does not declare, in: %s", s.Job, kind, table, first(s.SQL))
			if s.Loaded != "" {
				line = fmt.Sprintf("job %s loads table %s, which it does not declare as written", s.Job, table)
			}
			if !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
		}
		for _, t := range reads {
			if temps[s.Job][t] || slices.Contains(j.Reads, t) || slices.Contains(j.MayRead, t) || slices.Contains(j.Writes, t) || slices.Contains(runnerTables, t) {
				continue
			}
			report("reads", t)
		}
		ensured := ""
		if m := ensureRE.FindStringSubmatch(s.SQL); m != nil {
			ensured = strings.ToLower(strings.Trim(m[1][strings.LastIndexByte(m[1], '.')+1:], `"`))
		}
		for _, t := range writes {
			if temps[s.Job][t] || slices.Contains(j.Writes, t) || (t == ensured && slices.Contains(j.Reads, t)) {
				continue
			}
			report("writes", t)
		}
	}
	sort.Strings(out)
	return out
}

// first is a statement on one line, cut to a readable length.
func first(sql string) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// TestUndeclared checks the checker on hand-built statements against a
// hand-built graph: each case is one job's statements and the lines the
// check must give.
func TestUndeclared(t *testing.T) {
	g := jobs.NewGraph()
	g.Add(&jobs.Job{Name: "a", Reads: []string{"src"}, MayRead: []string{"opt"}, Writes: []string{"out"}})
	cases := []struct {
		name  string
		stmts []sqltest.Statement
		want  []string
	}{
		{"declared read and write", []sqltest.Statement{{Job: "a", SQL: "INSERT INTO out SELECT * FROM src JOIN opt USING (k)"}}, nil},
		{"own write read back", []sqltest.Statement{{Job: "a", SQL: "SELECT count(*) FROM out"}}, nil},
		{"runner's run history", []sqltest.Statement{{Job: "a", SQL: "SELECT max(finished) FROM job_runs WHERE job = ?"}}, nil},
		{"undeclared read", []sqltest.Statement{{Job: "a", SQL: "INSERT INTO out SELECT * FROM src JOIN orders o ON o.k = src.k"}},
			[]string{"job a reads table orders, which it does not declare, in: INSERT INTO out SELECT * FROM src JOIN orders o ON o.k = src.k"}},
		{"read in a subquery", []sqltest.Statement{{Job: "a", SQL: "SELECT * FROM src WHERE k IN (SELECT k FROM secret)"}},
			[]string{"job a reads table secret, which it does not declare, in: SELECT * FROM src WHERE k IN (SELECT k FROM secret)"}},
		{"a may-read table is not written", []sqltest.Statement{{Job: "a", SQL: "DELETE FROM opt WHERE k = 1"}},
			[]string{"job a writes table opt, which it does not declare, in: DELETE FROM opt WHERE k = 1"}},
		{"update and create targets", []sqltest.Statement{
			{Job: "a", SQL: "UPDATE src SET k = 0"},
			{Job: "a", SQL: "CREATE OR REPLACE TABLE side AS SELECT 1"},
		}, []string{
			"job a writes table side, which it does not declare, in: CREATE OR REPLACE TABLE side AS SELECT 1",
			"job a writes table src, which it does not declare, in: UPDATE src SET k = 0",
		}},
		{"CTE and earlier temp table are local", []sqltest.Statement{
			{Job: "a", SQL: "CREATE OR REPLACE TEMP TABLE keys (k BIGINT)"},
			{Job: "a", SQL: "WITH w AS (SELECT k FROM src) INSERT INTO out SELECT * FROM w JOIN keys USING (k)"},
		}, nil},
		{"temp table of another job is not local", []sqltest.Statement{
			{Job: "a", SQL: "SELECT * FROM keys"},
		}, []string{"job a reads table keys, which it does not declare, in: SELECT * FROM keys"}},
		{"a table read is ensured", []sqltest.Statement{{Job: "a", SQL: `CREATE TABLE IF NOT EXISTS "src" (k BIGINT)`}}, nil},
		{"a table not read is not ensured", []sqltest.Statement{{Job: "a", SQL: "CREATE TABLE IF NOT EXISTS opt (k BIGINT)"}},
			[]string{"job a writes table opt, which it does not declare, in: CREATE TABLE IF NOT EXISTS opt (k BIGINT)"}},
		{"load into an undeclared table", []sqltest.Statement{{Job: "a", Loaded: "src"}},
			[]string{"job a loads table src, which it does not declare as written"}},
		{"unknown job", []sqltest.Statement{{Job: "b", SQL: "SELECT 1"}}, []string{"statement of unknown job b: SELECT 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := undeclared(g, c.stmts)
			if !slices.Equal(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestJobsTouchOnlyDeclaredTables runs the whole chain on generated data
// with every job's warehouse recorded (jobs.Hooks.Warehouse) and checks
// every statement each job ran, SQL built in Go as much as .sql files,
// against the tables it declares. The chain runs three times so that the
// first-build, incremental and full paths are all seen: first without the
// newest order file of each source, then with it (the incremental path
// takes the new rows), then with --full.
func TestJobsTouchOnlyDeclaredTables(t *testing.T) {
	if testing.Short() {
		t.Skip("chain: skipped with -short")
	}
	if err := registerPlugins(); err != nil {
		t.Fatal(err)
	}
	d := newDemo(t, 300)
	cfg, err := config.Load(d.config)
	if err != nil {
		t.Fatal(err)
	}
	// Hold back the newest file of every order source for the second run.
	var held [][2]string
	for _, pat := range []string{"ecommerce/tmall/orders_*.ndjson", "ecommerce/shopify/orders_*.csv", "pos/receipts_*.csv"} {
		files, _ := filepath.Glob(filepath.Join(d.data, pat))
		if len(files) < 2 {
			t.Fatalf("%s: %d files generated, want 2 or more", pat, len(files))
		}
		sort.Strings(files)
		last := files[len(files)-1]
		away := last + ".held"
		if err := os.Rename(last, away); err != nil {
			t.Fatal(err)
		}
		held = append(held, [2]string{away, last})
	}

	var log sqltest.Log
	ctx := context.Background()
	runChain := func(name string, full bool) *jobs.Graph {
		t.Helper()
		g := jobs.Nightly(cfg)
		plan, err := g.Plan(g.Names(), false)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := jobs.Open(ctx, cfg, "test")
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		r := &jobs.Runner{Graph: g, Cfg: cfg, WH: sess.WH, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Force: full, Full: full, Hooks: jobs.Hooks{Warehouse: log.Wrap}}
		res, err := r.Run(ctx, jobs.NewChainID(time.Now()), "", plan)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := res.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return g
	}
	g := runChain("first run", false)
	for _, h := range held {
		if err := os.Rename(h[0], h[1]); err != nil {
			t.Fatal(err)
		}
	}
	runChain("run with new files", false)
	runChain("full run", true)

	stmts := log.Statements()
	// Every job of the chain ran statements through the recorder: a job
	// missing here would be a hole in the check, not a pass.
	ran := map[string]int{}
	for _, s := range stmts {
		ran[s.Job]++
	}
	for _, name := range g.Names() {
		if ran[name] == 0 {
			t.Errorf("job %s ran no statement through the recorded warehouse", name)
		}
	}
	for _, line := range undeclared(g, stmts) {
		t.Error(line)
	}
	t.Logf("%d statements of %d jobs checked", len(stmts), len(ran))
}
