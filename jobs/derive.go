package jobs

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Derive sets every job's Deps from the tables the jobs declare, as dbt's
// ref and Dagster's assets do: a job depends on each other job that writes
// a table it reads (Reads, or MayRead when some job writes it). provided
// are the tables that exist before any job runs (the bookkeeping and raw
// tables jobs.Prepare creates, see PreparedTables).
//
// Rules:
//   - a table a job both reads and writes is its own state (ingest reads
//     the manifest it appends to): it adds no edge to its other writers;
//   - a job listed in After is waited for but is not a dependency even
//     when it writes a table the job reads (publish shows source_checks
//     but a failed check must not withhold the scorecard);
//   - a Reads table that no job writes and no source provides, a job that
//     names its Deps by hand, and a cycle are errors naming the jobs and
//     tables.
//
// The error is also kept in the graph: Plan, Downstream and Resolve
// return it, so a chain with a broken declaration does not start.
func (g *Graph) Derive(provided []string) error {
	writers := map[string][]string{}
	for _, n := range g.order {
		for _, t := range g.jobs[n].Writes {
			writers[t] = append(writers[t], n)
		}
	}
	var errs []error
	for _, n := range g.order {
		j := g.jobs[n]
		if len(j.Deps) > 0 {
			errs = append(errs, fmt.Errorf("job %s names its dependencies by hand (%s): declare the tables it reads instead (Job.Reads)", n, strings.Join(j.Deps, ", ")))
			continue
		}
		var deps []string
		read := func(t string, required bool) {
			if slices.Contains(j.Writes, t) {
				return
			}
			ws := writers[t]
			if len(ws) == 0 && required && !slices.Contains(provided, t) {
				errs = append(errs, fmt.Errorf("job %s reads table %s, which no job writes and no source provides", n, t))
			}
			for _, w := range ws {
				if w != n && !slices.Contains(j.After, w) && !slices.Contains(deps, w) {
					deps = append(deps, w)
				}
			}
		}
		for _, t := range j.Reads {
			read(t, true)
		}
		for _, t := range j.MayRead {
			read(t, false)
		}
		// registration order, so that plans and fingerprints do not
		// depend on the order of the declarations
		slices.SortFunc(deps, func(a, b string) int { return g.index(a) - g.index(b) })
		j.Deps = deps
	}
	if len(errs) == 0 {
		if err := g.cycle(); err != nil {
			errs = append(errs, err)
		}
	}
	g.err = errors.Join(errs...)
	return g.err
}

func (g *Graph) index(name string) int { return slices.Index(g.order, name) }

// cycle reports the first dependency cycle as a path of jobs, each step
// naming the tables that make it.
func (g *Graph) cycle() error {
	state := map[string]int{}
	var path []string
	var visit func(n string) []string
	visit = func(n string) []string {
		switch state[n] {
		case 1:
			return append(slices.Clone(path[slices.Index(path, n):]), n)
		case 2:
			return nil
		}
		state[n] = 1
		path = append(path, n)
		for _, d := range g.jobs[n].Deps {
			if c := visit(d); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		state[n] = 2
		return nil
	}
	for _, n := range g.order {
		c := visit(n)
		if c == nil {
			continue
		}
		// c is a -> b -> ... -> a where a depends on b: b writes what a reads.
		steps := make([]string, 0, len(c)-1)
		for i := 0; i+1 < len(c); i++ {
			steps = append(steps, fmt.Sprintf("%s reads %s written by %s", c[i], strings.Join(g.shared(c[i], c[i+1]), ","), c[i+1]))
		}
		return fmt.Errorf("dependency cycle %s: %s", strings.Join(c, " -> "), strings.Join(steps, "; "))
	}
	return nil
}

// shared lists the tables reader reads that writer writes.
func (g *Graph) shared(reader, writer string) []string {
	r, w := g.jobs[reader], g.jobs[writer]
	var out []string
	for _, t := range append(slices.Clone(r.Reads), r.MayRead...) {
		if slices.Contains(w.Writes, t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Err is the error of the graph's declarations (Derive), or nil.
func (g *Graph) Err() error { return g.err }
