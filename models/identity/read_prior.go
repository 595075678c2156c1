package identity

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// readPrior maps prior identifiers to dense prior customer indexes and
// interns prior identifiers missing from the evidence as ghosts. Keys are
// looked up a block at a time with the same prefetching as readEvidence.
func (s *stitcher) readPrior(prior []arrow.RecordBatch) error {
	s.prior = make([]int32, len(s.keys), len(s.keys)+16)
	for i := range s.prior {
		s.prior[i] = -1
	}
	type priorCols struct {
		t, v   *strCol
		nums   []int64
		fc, lc *tsCol
	}
	cols := make([]priorCols, len(prior))
	rowsTotal := 0
	for bi, rec := range prior {
		if rec.NumRows() == 0 {
			continue
		}
		pc := &cols[bi]
		var err error
		var cc *strCol
		if pc.t, err = bindStr(rec, "id_type"); err == nil {
			if pc.v, err = bindStr(rec, "id_value"); err == nil {
				cc, err = bindStr(rec, "customer_id")
			}
		}
		if err != nil {
			return fmt.Errorf("identity: prior batch %d: %w", bi, err)
		}
		if pc.t == nil || pc.v == nil || cc == nil {
			return fmt.Errorf("identity: prior batch %d: needs id_type, id_value and customer_id", bi)
		}
		if a := column(rec, "first_seen"); a != nil {
			pc.fc, _ = newTSCol(a)
		}
		if a := column(rec, "last_seen"); a != nil {
			pc.lc, _ = newTSCol(a)
		}
		pc.nums = make([]int64, rec.NumRows())
		for i := range pc.nums {
			cs, ok := cc.get(i)
			if !ok {
				continue
			}
			num, ok := ParseCustomerID(cs)
			if !ok {
				return fmt.Errorf("identity: prior batch %d row %d: bad customer_id %q", bi, i, cs)
			}
			pc.nums[i] = num
			s.maxPrior = max(s.maxPrior, num)
		}
		rowsTotal += len(pc.nums)
	}
	// dense index of customer numbers: an array when numbers are dense
	var denseArr []int32
	denseMap := map[int64]int32{}
	if s.maxPrior <= int64(8*rowsTotal+1<<20) {
		denseArr = make([]int32, s.maxPrior+1)
		for i := range denseArr {
			denseArr[i] = -1
		}
	}
	denseOf := func(num int64) int32 {
		if denseArr != nil {
			if p := denseArr[num]; p >= 0 {
				return p
			}
		} else if p, ok := denseMap[num]; ok {
			return p
		}
		p := int32(len(s.priorNums))
		s.priorNums = append(s.priorNums, num)
		if denseArr != nil {
			denseArr[num] = p
		} else {
			denseMap[num] = p
		}
		return p
	}
	type pend struct {
		h        uint64
		off, end int32
		num      int64
		first    int64
		last     int64
	}
	const block = 256
	pending := make([]pend, 0, block)
	keyBuf := make([]byte, 0, block*32)
	flush := func() {
		var acc uint32
		for i := range pending {
			p := &pending[i]
			p.h = s.dict.hash(keyBuf[p.off:p.end])
			acc += s.dict.tabs[s.dict.shard(p.h)].touch(p.h)
		}
		s.sink += uint64(acc)
		for i := range pending {
			p := &pending[i]
			nk := len(s.keys)
			id := s.dict.internHashed(keyBuf[p.off:p.end], p.h, s.addID)
			if int(id) >= nk {
				s.prior = append(s.prior, -1)
				if s.ghosts == nil {
					s.ghosts = map[int32]ghostInfo{}
				}
				s.ghosts[id] = ghostInfo{first: p.first, last: p.last}
			}
			dp := denseOf(p.num)
			if q := s.prior[id]; q < 0 || p.num < s.priorNums[q] {
				s.prior[id] = dp
			}
		}
		pending, keyBuf = pending[:0], keyBuf[:0]
	}
	for _, pc := range cols {
		lastTypeName, lastType := "", idType(0)
		for i, num := range pc.nums {
			tn, ok1 := pc.t.get(i)
			v, ok2 := pc.v.get(i)
			if !ok1 || !ok2 || num == 0 {
				continue
			}
			t := lastType
			if tn != lastTypeName {
				var ok bool
				if t, ok = typeByName(tn); !ok {
					continue
				}
				lastTypeName, lastType = IDTypes[t], t
			}
			off := len(keyBuf)
			key, valid := appendNormalized(append(keyBuf, byte(t)), t, v, s.region, &s.pc)
			if !valid {
				keyBuf = key[:off]
				continue
			}
			keyBuf = key
			pending = append(pending, pend{off: int32(off), end: int32(len(key)), num: num, first: pc.fc.get(i), last: pc.lc.get(i)})
			if len(pending) == block {
				flush()
			}
		}
	}
	flush()
	s.stats.PriorCustomers = int64(len(s.priorNums))
	return nil
}
