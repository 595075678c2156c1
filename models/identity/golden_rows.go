package identity

import (
	"runtime"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rowComps computes in parallel over row ranges the component of every
// record (-1: none) and the positions of its usable phone and email in its
// identifier list (rowInfo: low byte phone+1, high byte email+1; 0 none),
// and the record counts of Stats.
func (s *stitcher) rowComps() ([]int32, []uint16) {
	nrows := len(s.rowOff) - 1
	rc := make([]int32, nrows)
	ri := make([]uint16, nrows)
	workers := runtime.GOMAXPROCS(0)
	chunk := (nrows + workers - 1) / workers
	type counts struct{ assigned, anon, blocked int64 }
	cs := make([]counts, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, nrows)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c counts
			for r := lo; r < hi; r++ {
				comp := int32(-1)
				hasBlocked := false
				var info uint16
				vt := s.valTypes(r)
				for k, id := range s.rowIDs[s.rowOff[r]:s.rowOff[r+1]] {
					if s.reason[id] != reasonNone {
						hasBlocked = true
						continue
					}
					if comp < 0 {
						comp = s.compOf[id]
					}
					switch idType(vt[k]) {
					case tPhone:
						info |= uint16(k + 1)
					case tEmail:
						info |= uint16(k+1) << 8
					}
				}
				rc[r] = comp
				ri[r] = info
				if comp < 0 {
					c.anon++
				} else {
					c.assigned++
				}
				if hasBlocked {
					c.blocked++
				}
			}
			cs[w] = c
		}()
	}
	wg.Wait()
	for _, c := range cs {
		s.stats.RecordsAssigned += c.assigned
		s.stats.RecordsAnonymous += c.anon
		s.stats.BlockedRecords += c.blocked
	}
	return rc, ri
}

// buildAssignments writes the customer_id of every record, one batch per
// evidence batch. rec_table and rec_key are copied, so that the result does
// not keep the evidence alive; a rec_table that is the same on every row of
// a batch (as it usually is) is one array shared by the batches with that
// value and length.
func (s *stitcher) buildAssignments(rowComp []int32) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	maxLen := 0
	for _, c := range s.custStr {
		maxLen = max(maxLen, len(c))
	}
	type constKey struct {
		v string
		n int
	}
	consts := map[constKey]arrow.Array{}
	defer func() {
		for _, a := range consts {
			a.Release()
		}
	}()
	row := 0
	for _, e := range s.batches {
		nr := int(e.rec.NumRows())
		base := row
		arr := stringArray(s.mem, nr, nr*maxLen, func(i int) (string, bool) {
			if c := rowComp[base+i]; c >= 0 {
				return s.custStr[c], true
			}
			return "", false
		})
		row += nr
		var tableArr arrow.Array
		if v, ok := constValue(e.table, nr); ok {
			k := constKey{v, nr}
			if tableArr = consts[k]; tableArr == nil {
				tableArr = copyStrings(s.mem, e.table, nr)
				consts[constKey{strings.Clone(v), nr}] = tableArr
			}
			tableArr.Retain()
		} else {
			tableArr = copyStrings(s.mem, e.table, nr)
		}
		keyArr := copyStrings(s.mem, e.key, nr)
		out = append(out, array.NewRecordBatch(AssignmentsSchema, []arrow.Array{tableArr, keyArr, arr}, int64(nr)))
		tableArr.Release()
		keyArr.Release()
		arr.Release()
	}
	return out
}

// constValue returns the value of a column whose n rows all hold the same
// non-null value.
func constValue(c *strCol, n int) (string, bool) {
	if n == 0 {
		return "", false
	}
	v, ok := c.get(0)
	if !ok {
		return "", false
	}
	for i := 1; i < n; i++ {
		if w, ok := c.get(i); !ok || w != v {
			return "", false
		}
	}
	return v, true
}

// copyStrings returns a utf8 array with a copy of the n values of c.
func copyStrings(mem memory.Allocator, c *strCol, n int) arrow.Array {
	size := 0
	if n == 0 {
		return stringArray(mem, 0, 0, c.get)
	}
	if c != nil && c.s != nil {
		offs := c.s.ValueOffsets()
		size = int(offs[n] - offs[0])
	} else {
		for i := 0; i < n; i++ {
			v, _ := c.get(i)
			size += len(v)
		}
	}
	return stringArray(mem, n, size, c.get)
}
