package jobs

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// sharedInputs holds query results that several jobs of one chain run read
// (the sales and profit jobs read the same 10 million order lines): the
// first reader runs the query, the others of the plan take the batches
// instead of running it again, and the batches are let go when every
// other planned reader has taken them or finished (failed, or was skipped)
// without them, or when the chain ends.
type sharedInputs struct {
	mu      sync.Mutex
	planned map[string]bool // jobs of the plan that have not finished
	entries map[string]*sharedEntry
}

type sharedEntry struct {
	ready   chan struct{} // closed when the load is done
	recs    []arrow.RecordBatch
	err     error
	waiting map[string]bool // planned readers that have not taken it yet
	dropped bool            // the batches were let go
}

func newSharedInputs(plan []string) *sharedInputs {
	s := &sharedInputs{planned: map[string]bool{}, entries: map[string]*sharedEntry{}}
	for _, n := range plan {
		s.planned[n] = true
	}
	return s
}

// SharedQuery returns the result of load for key, run once for the jobs of
// readers that are in this chain's plan and have not finished (the calling
// job, e.Job, is one of them): the caller
// owns the returned batches (it releases each one, as for a query of its
// own). key must identify the result completely (the query text with its
// arguments); the jobs sharing it must not change its tables in between.
// Outside a chain, or when no other reader is still to come, load simply
// runs.
func (e *Env) SharedQuery(key string, readers []string, load func() ([]arrow.RecordBatch, error)) ([]arrow.RecordBatch, error) {
	s, self := e.shared, e.Job
	if s == nil {
		return load()
	}
	s.mu.Lock()
	ent, ok := s.entries[key]
	if !ok {
		others := map[string]bool{}
		for _, r := range readers {
			if r != self && s.planned[r] {
				others[r] = true
			}
		}
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
		out := retained(ent.recs)
		s.dropIfTaken(key, ent) // the others may have finished meanwhile
		return out, nil
	}
	s.mu.Unlock()
	<-ent.ready
	s.mu.Lock()
	if ent.err != nil || ent.dropped {
		s.mu.Unlock()
		return load()
	}
	out := retained(ent.recs)
	delete(ent.waiting, self)
	s.mu.Unlock()
	s.dropIfTaken(key, ent)
	return out, nil
}

// finished records that job has ended (whatever its outcome): it no longer
// counts as a reader to wait for, and the entries it was the last one
// awaited by are let go.
func (s *sharedInputs) finished(job string) {
	s.mu.Lock()
	delete(s.planned, job)
	var done []string
	for key, ent := range s.entries {
		delete(ent.waiting, job)
		if len(ent.waiting) == 0 {
			done = append(done, key)
		}
	}
	ents := make([]*sharedEntry, len(done))
	for i, key := range done {
		ents[i] = s.entries[key]
	}
	s.mu.Unlock()
	for i, key := range done {
		s.dropIfTaken(key, ents[i])
	}
}

// dropIfTaken lets go of a loaded entry no reader waits for any more.
func (s *sharedInputs) dropIfTaken(key string, ent *sharedEntry) {
	select {
	case <-ent.ready:
	default:
		return // still loading: its loader checks again when done
	}
	s.mu.Lock()
	taken := len(ent.waiting) == 0
	s.mu.Unlock()
	if taken {
		s.drop(key, ent)
	}
}

// drop lets go of an entry's batches (the readers keep their own
// references); a reader that comes later loads for itself.
func (s *sharedInputs) drop(key string, ent *sharedEntry) {
	s.mu.Lock()
	if s.entries[key] == ent {
		delete(s.entries, key)
	}
	recs := ent.recs
	ent.recs, ent.dropped = nil, true
	s.mu.Unlock()
	warehouse.Release(recs)
}

// close lets go of whatever is left when the chain ends.
func (s *sharedInputs) close() {
	s.mu.Lock()
	ents := s.entries
	s.entries = map[string]*sharedEntry{}
	s.mu.Unlock()
	for key, ent := range ents {
		<-ent.ready
		s.drop(key, ent)
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
