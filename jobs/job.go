// Package jobs is the job graph of the nightly chain (ingest -> stitch ->
// core -> models -> publish): each job declares the tables it reads and
// writes and the graph's edges follow from them (Graph.Derive); a job runs with
// a record in job_runs, may skip when its inputs have not changed, and can
// be run alone, with its upstream, from a failed job onward, or over a range
// of partitions.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Env is what a job gets to work with.
type Env struct {
	Cfg *config.Config
	WH  warehouse.Warehouse
	Log *slog.Logger
	// AsOf is the business date the chain computes for (end of day, config zone).
	AsOf time.Time
	// Job is the name of the job being run.
	Job string
	// RunID identifies this job run; ChainID the chain run it belongs to.
	RunID, ChainID string
	// Partition is set for partitioned (backfill) runs: YYYY-MM-DD or YYYY-MM.
	Partition string
	// Hooks lets tests inject faults.
	Hooks Hooks
	// Resend sends mail again that the delivery log says was accepted for
	// the same as-of date (crmkit run --resend).
	Resend bool
	// Full asks jobs with an incremental path to rebuild from the raw
	// tables (run --full); the result must be the same either way.
	Full bool

	asOf   *asOfCache    // shared by the jobs of one Runner.Run
	shared *sharedInputs // likewise
}

// Hooks are test seams; all optional.
type Hooks struct {
	// AfterBatch runs inside each ingest file transaction after each batch.
	AfterBatch func(file string, rows int64) error
	// BatchRows overrides the ingest batch size (0: default).
	BatchRows int
	// Now is the clock that bounds the rows' timestamps and the as-of
	// date (nil: time.Now).
	Now func() time.Time
	// Warehouse, when set, gives each job the warehouse it works with
	// (Env.WH, its fingerprint included) in place of the runner's: a test
	// wraps it to see which job runs which statement. The runner's own
	// bookkeeping (job_runs) goes to the runner's warehouse.
	Warehouse func(job string, wh warehouse.Warehouse) warehouse.Warehouse
}

// Result is what a job reports.
type Result struct {
	RowsIn, RowsOut, RowsQuarantined int64
	Message                          string
	// Partial marks a run that succeeded with warnings (e.g. rejected files).
	Partial bool
	// Figures are named measurements of the run (seconds of each step,
	// counts) that the bench reports; they are not stored in job_runs.
	Figures map[string]float64
}

// Job is one node of the graph.
type Job struct {
	Name string
	// Deps are the jobs that must succeed before this one.
	Deps []string
	// After are jobs that must finish (in any state) before this one when
	// they are in the same run; their failure does not block this job.
	After []string
	// Group tags jobs for selection ("ingest", "models").
	Group string
	// Reads and Writes declare the warehouse tables the job reads and
	// writes (as dbt's ref and Dagster's assets do); the graph's edges come
	// from them (Graph.Derive). Jobs whose SQL is in sqlfile sets check
	// their files against them.
	Reads, Writes []string
	// MayRead are tables the job reads when they exist (publish shows a
	// mart's section only when the mart is there): an edge to their
	// writers when some job writes them, no error when none does.
	MayRead []string
	// Partitioned is "", "day" or "month": how backfill splits the work.
	Partitioned string
	// Fingerprint, when set, summarises the job's inputs; a job whose
	// fingerprint equals that of its last successful run is skipped.
	Fingerprint func(ctx context.Context, env *Env) (string, error)
	// Run does the work.
	Run func(ctx context.Context, env *Env) (Result, error)
	// Retryable classifies errors worth retrying (nil: none are).
	Retryable func(error) bool
	// Alone marks a job that reads or writes inputs of millions of rows
	// (ingest, stitch, core, the order-line marts, publish): it runs with
	// no other job at once whatever the parallelism, so that its peak
	// memory never comes on top of another job's; lighter jobs share the
	// parallelism.
	Alone bool
	// Sequence orders the model jobs in the plan (lower first, then by
	// name); jobs that share an input (Env.SharedQuery) take the same
	// value so that they run one after the other and the input is let
	// go soon.
	Sequence int
}

// Graph is the set of jobs keyed by name.
type Graph struct {
	jobs  map[string]*Job
	order []string // registration order, used to break ties
	err   error    // of Derive
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{jobs: map[string]*Job{}} }

// Add registers a job; it panics on a duplicate name.
func (g *Graph) Add(j *Job) {
	if _, dup := g.jobs[j.Name]; dup {
		panic("jobs: duplicate job " + j.Name)
	}
	g.jobs[j.Name] = j
	g.order = append(g.order, j.Name)
}

// Job returns the named job.
func (g *Graph) Job(name string) (*Job, bool) { j, ok := g.jobs[name]; return j, ok }

// Names lists the jobs in topological order.
func (g *Graph) Names() []string {
	all, _ := g.Plan(g.order, false)
	return all
}

// Resolve expands selectors: a job name, a group name ("ingest"), or
// "chain"/"all" for everything.
func (g *Graph) Resolve(selectors []string) ([]string, error) {
	if g.err != nil {
		return nil, g.err
	}
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, s := range selectors {
		switch {
		case s == "chain" || s == "all":
			for _, n := range g.order {
				add(n)
			}
		case g.jobs[s] != nil:
			add(s)
		default:
			found := false
			for _, n := range g.order {
				if g.jobs[n].Group == s {
					add(n)
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("unknown job %q (jobs: %s)", s, strings.Join(g.Names(), ", "))
			}
		}
	}
	return out, nil
}

// Plan returns the jobs to run in dependency order: the selected jobs and,
// when withDeps, everything upstream of them.
func (g *Graph) Plan(selected []string, withDeps bool) ([]string, error) {
	if g.err != nil {
		return nil, g.err
	}
	want := map[string]bool{}
	var visit func(n string) error
	visit = func(n string) error {
		j, ok := g.jobs[n]
		if !ok {
			return fmt.Errorf("unknown job %q", n)
		}
		if want[n] {
			return nil
		}
		want[n] = true
		if withDeps {
			for _, d := range j.Deps {
				if err := visit(d); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, s := range selected {
		if err := visit(s); err != nil {
			return nil, err
		}
	}
	return g.topo(want)
}

// Downstream returns name and every job that depends on it, transitively,
// in dependency order (used by run --from).
func (g *Graph) Downstream(name string) ([]string, error) {
	if g.err != nil {
		return nil, g.err
	}
	if _, ok := g.jobs[name]; !ok {
		return nil, fmt.Errorf("unknown job %q", name)
	}
	want := map[string]bool{name: true}
	changed := true
	for changed {
		changed = false
		for _, n := range g.order {
			if want[n] {
				continue
			}
			for _, d := range g.jobs[n].Deps {
				if want[d] {
					want[n] = true
					changed = true
					break
				}
			}
		}
	}
	return g.topo(want)
}

func (g *Graph) topo(want map[string]bool) ([]string, error) {
	rank := map[string]int{}
	for i, n := range g.order {
		rank[n] = i
	}
	state := map[string]int{}
	var out []string
	var visit func(n string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("dependency cycle at job %q", n)
		case 2:
			return nil
		}
		state[n] = 1
		deps := append([]string(nil), g.jobs[n].Deps...)
		sort.Slice(deps, func(a, b int) bool { return rank[deps[a]] < rank[deps[b]] })
		for _, d := range deps {
			if _, ok := g.jobs[d]; !ok {
				return fmt.Errorf("job %q depends on unknown job %q", n, d)
			}
			if err := visit(d); err != nil {
				return err
			}
		}
		state[n] = 2
		if want[n] {
			out = append(out, n)
		}
		return nil
	}
	for _, n := range g.order {
		if want[n] {
			if err := visit(n); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
