package jobs

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// sharedInputs holds query results that several jobs of one chain run read
// (the sales and profit jobs read the same 10 million order lines): the
// first reader runs the query, the others of the plan take the batches
// instead of running it again, and the batches are let go when the last
// of them has taken them (or when the chain ends).
type sharedInputs struct {
	mu      sync.Mutex
	planned map[string]bool
	entries map[string]*sharedEntry
}

type sharedEntry struct {
	ready   chan struct{} // closed when the load is done
	recs    []arrow.RecordBatch
	err     error
	waiting map[string]bool // planned readers that have not taken it yet
}

func newSharedInputs(plan []string) *sharedInputs {
	s := &sharedInputs{planned: map[string]bool{}, entries: map[string]*sharedEntry{}}
	for _, n := range plan {
		s.planned[n] = true
	}
	return s
}

// SharedQuery returns the result of load for key, run once for the jobs of
// readers that are in this chain's plan: the caller owns the returned
// batches (it releases each one, as for a query of its own). key must
// identify the result completely (the query text with its arguments);
// the jobs sharing it must not change its tables in between. Outside a
// chain, or when no other reader is planned, load simply runs.
func (e *Env) SharedQuery(key, self string, readers []string, load func() ([]arrow.RecordBatch, error)) ([]arrow.RecordBatch, error) {
	s := e.shared
	if s == nil {
		return load()
	}
	others := map[string]bool{}
	for _, r := range readers {
		if r != self && s.planned[r] {
			others[r] = true
		}
	}
	s.mu.Lock()
	ent, ok := s.entries[key]
	if !ok {
		if len(others) == 0 {
			s.mu.Unlock()
			return load()
		}
		ent = &sharedEntry{ready: make(chan struct{}), waiting: others}
		s.entries[key] = ent
		s.mu.Unlock()
		ent.recs, ent.err = load()
		close(ent.ready)
		if ent.err != nil {
			s.drop(key, ent)
			return nil, ent.err
		}
		return retained(ent.recs), nil
	}
	s.mu.Unlock()
	<-ent.ready
	if ent.err != nil {
		return load()
	}
	s.mu.Lock()
	out := retained(ent.recs)
	delete(ent.waiting, self)
	last := len(ent.waiting) == 0
	s.mu.Unlock()
	if last {
		s.drop(key, ent)
	}
	return out, nil
}

// drop lets go of an entry's batches (the readers keep their own
// references).
func (s *sharedInputs) drop(key string, ent *sharedEntry) {
	s.mu.Lock()
	if s.entries[key] == ent {
		delete(s.entries, key)
	}
	recs := ent.recs
	ent.recs = nil
	s.mu.Unlock()
	warehouse.Release(recs)
}

// close lets go of whatever no planned reader came for (a reader that
// failed or was skipped).
func (s *sharedInputs) close() {
	s.mu.Lock()
	ents := s.entries
	s.entries = map[string]*sharedEntry{}
	s.mu.Unlock()
	for _, ent := range ents {
		<-ent.ready
		warehouse.Release(ent.recs)
		ent.recs = nil
	}
}

func retained(recs []arrow.RecordBatch) []arrow.RecordBatch {
	out := make([]arrow.RecordBatch, len(recs))
	for i, r := range recs {
		r.Retain()
		out[i] = r
	}
	return out
}
