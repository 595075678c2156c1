package identity

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/internal/offheap"
)

// addID appends a new global identifier with key k (type byte + value).
func (s *stitcher) addID(k string) int32 {
	id := int32(len(s.keys))
	s.keys = append(s.keys, k)
	s.typ = append(s.typ, k[0])
	s.firstTs = append(s.firstTs, noTS)
	s.lastTs = append(s.lastTs, noTS)
	s.records = append(s.records, 0)
	return id
}

// readWorkers is the number of workers reading the evidence: a power of two
// not above GOMAXPROCS, at most 4.
func readWorkers() int {
	w := 1
	for w*2 <= min(runtime.GOMAXPROCS(0), 4) {
		w *= 2
	}
	return w
}

// pendingVal is a normalised value waiting to be interned. It is kept at
// 32 bytes (the rule state of a weak value is in the part's rowRules,
// shared by the values of a row): parts are written once and read by every
// interning worker.
type pendingVal struct {
	h        uint64
	off, end int32 // key bytes in the part's keyBuf
	pos      int32 // position in rowIDs, relative to the part's base
	// aux: auxHit when a raw spelling matched a block pattern; the other
	// bits are 1 + the index of the row's rowRule in the part's rowRules
	// (weak values with the names or velocity rules on), 0 = none
	aux uint32
	ts  int64
}

const auxHit = 1 << 31

// rowRule is what the names and velocity rules read of an evidence row
// that has a weak value.
type rowRule struct {
	name  uint32 // rawNameHash of the row's name, 0 = none or names rule off
	store uint32 // storeHash of a purchase's store, 0 = none
	flags uint8  // fPurchase
}

// Per-value and per-identifier flags of the pattern, names and velocity
// rules, gathered while interning so that the names and velocity rules
// only follow the few identifiers that may break them.
const (
	fHit        = 1 << iota // a raw spelling matched a block pattern
	fPurchase               // value: on a purchase record
	fMultiName              // identifier: seen with two distinct names
	fMultiStore             // identifier (shard only): purchases in two distinct stores
	fVelocity               // identifier: enough purchases to break a velocity rule
)

// readPart is one worker's share of a chunk of rows (phase A).
type readPart struct {
	lo, hi          int // global rows
	keyBuf          []byte
	vals            []pendingVal
	rowRules        []rowRule
	rowEnds         []int32 // per row: values so far in the part
	invalid, values [numTypes]int64
	pc              phoneCache
}

// readShard is one worker's shard of the dictionary (phase B): stats by
// local id. st lives outside the Go heap (offheap): its pages are
// committed as identifiers arrive, so the estimate of distinct identifiers
// costs address space only, and it is given back as soon as reading ends
// instead of staying as garbage until the next collection (1M people: 140
// MB used of 200 MB reserved).
type readShard struct {
	// per local identifier, in one struct so that interning a value
	// touches one cache line (measured: separate first/last/records arrays
	// cost a cache miss each)
	st   []idStat
	sink uint64
}

// grow doubles the capacity of sh.st, outside the Go heap too.
func (sh *readShard) grow() {
	st := offheap.Slice[idStat](2 * cap(sh.st))[:len(sh.st)]
	copy(st, sh.st)
	offheap.FreeSlice(sh.st)
	sh.st = st
}

// idStat is what reading keeps per identifier of a shard.
type idStat struct {
	first, last int64
	records     int32
	rule        ruleState // with patterns or the names and velocity rules
}

// ruleState is what reading keeps per identifier for the pattern, names
// and velocity rules.
type ruleState struct {
	name, store uint32 // first name hash and first store hash seen, 0 = none
	// purchases by day modulo 3 (saturating): a day with more than
	// MaxOrdersPerDay purchases puts its bucket over the limit, so a bucket
	// over it is a necessary condition that keeps most heavy buyers (many
	// purchases, few a day) out of the velocity scan
	days  [3]uint8
	flags uint8
}

// readEvidence normalises and interns every identifier value, building the
// per-record lists of identifier ids (CSR) and per-identifier first/last
// seen and record counts.
//
// The rows are processed in chunks. In phase A, W workers each normalise
// and hash the values of a slice of the chunk's rows; in phase B, worker k
// interns the values whose hash falls in shard k into its own table, a
// block at a time, touching the table slots of the whole block before the
// lookups so that their cache misses overlap. Local ids are renumbered
// afterwards in order of first appearance, so ids do not depend on W.
func (s *stitcher) readEvidence(evidence []arrow.RecordBatch) error {
	total, nvals := 0, 0
	for bi, rec := range evidence {
		e, err := bindEvidence(rec)
		if err != nil {
			return fmt.Errorf("identity: evidence batch %d: %w", bi, err)
		}
		s.batches = append(s.batches, e)
		s.batchStart = append(s.batchStart, total)
		total += int(rec.NumRows())
		for _, name := range append(IDTypes[:numTypes:numTypes], "identifier") {
			if a := column(rec, name); a != nil {
				nvals += a.Len() - a.NullN()
			}
		}
	}
	s.batchStart = append(s.batchStart, total)
	if total >= math.MaxInt32 || nvals >= 1<<29 {
		return fmt.Errorf("identity: %d evidence records with %d identifier values exceed the limits (%d records, %d values)", total, nvals, math.MaxInt32-1, 1<<29-1)
	}
	W := readWorkers()
	shift := uint(bits.TrailingZeros(uint(W)))
	est := nvals/3 + 1024
	s.dict = newDict(W, est)
	s.rowOff = make([]int32, 1, total+1)
	s.rowIDs = make([]int32, 0, nvals)
	s.valTyp = make([]uint8, 0, nvals)
	parts := make([]*readPart, W)
	shards := make([]*readShard, W)
	for w := range parts {
		parts[w] = &readPart{}
		shards[w] = &readShard{
			st: offheap.Slice[idStat](est/W + 1024)[:0],
		}
	}
	const chunk = 1 << 16
	var wg sync.WaitGroup
	for c0 := 0; c0 < total; c0 += chunk {
		c1 := min(c0+chunk, total)
		// phase A: normalise and hash
		per := (c1 - c0 + W - 1) / W
		for w, p := range parts {
			p.lo, p.hi = min(c0+w*per, c1), min(c0+(w+1)*per, c1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.normalisePart(p)
			}()
		}
		wg.Wait()
		base := make([]int32, W)
		pos := int32(len(s.rowIDs))
		for w, p := range parts {
			base[w] = pos
			for _, end := range p.rowEnds {
				s.rowOff = append(s.rowOff, pos+end)
			}
			pos += int32(len(p.vals))
		}
		s.rowIDs, s.valTyp = s.rowIDs[:pos], s.valTyp[:pos]
		// phase B: intern by shard
		for k := range shards {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.internShard(k, shift, shards[k], parts, base)
			}()
		}
		wg.Wait()
	}
	var invalid, values [numTypes]int64
	for _, p := range parts {
		for t := range invalid {
			invalid[t] += p.invalid[t]
			values[t] += p.values[t]
		}
	}
	// Renumber (shard, local) in order of first appearance.
	mask := int32(W - 1)
	for k, t := range s.dict.tabs {
		r := make([]int32, len(t.keys))
		for i := range r {
			r[i] = -1
		}
		s.dict.remap[k] = r
	}
	distinct := 0
	for _, t := range s.dict.tabs {
		distinct += len(t.keys)
	}
	s.keys = make([]string, 0, distinct+distinct/64+16)
	s.typ = make([]uint8, 0, cap(s.keys))
	s.firstTs = make([]int64, 0, cap(s.keys))
	s.lastTs = make([]int64, 0, cap(s.keys))
	s.records = make([]int32, 0, cap(s.keys))
	withFlags := s.rules.flagsNeeded()
	if withFlags {
		s.flags = make([]uint8, 0, cap(s.keys))
	}
	for i, enc := range s.rowIDs {
		k, l := enc&mask, enc>>shift
		g := s.dict.remap[k][l]
		if g < 0 {
			g = s.addID(s.dict.tabs[k].keys[l])
			sh := shards[k]
			st := &sh.st[l]
			s.firstTs[g], s.lastTs[g], s.records[g] = st.first, st.last, st.records
			if withFlags {
				s.flags = append(s.flags, s.rules.identifierFlags(sh, l))
			}
			s.dict.remap[k][l] = g
		}
		s.rowIDs[i] = g
	}
	for _, sh := range shards {
		s.sink += sh.sink
		offheap.FreeSlice(sh.st)
		sh.st = nil
	}
	s.stats.Records = int64(total)
	s.stats.Values = map[string]int64{}
	s.stats.Invalid = map[string]int64{}
	for t := idType(0); t < numTypes; t++ {
		s.stats.Values[t.String()] = values[t]
		s.stats.Invalid[t.String()] = invalid[t]
	}
	return nil
}

// normalisePart normalises and hashes the identifier values of rows
// [p.lo, p.hi).
func (s *stitcher) normalisePart(p *readPart) {
	p.keyBuf, p.vals, p.rowEnds, p.rowRules = p.keyBuf[:0], p.vals[:0], p.rowEnds[:0], p.rowRules[:0]
	if p.lo >= p.hi {
		return
	}
	b := s.batchOf(p.lo)
	for r := p.lo; r < p.hi; {
		e := s.batches[b]
		i0 := r - s.batchStart[b]
		i1 := min(int(e.rec.NumRows()), p.hi-s.batchStart[b])
		rw := rowInfo{e: e, lastTable: "\x00"}
		for i := i0; i < i1; i++ {
			rw.ts, rw.i, rw.rule = e.ts.get(i), i, 0
			for t := idType(0); t < numTypes; t++ {
				raw, ok := e.ids[t].get(i)
				if !ok || raw == "" {
					continue
				}
				off := len(p.keyBuf)
				key, valid := appendNormalized(append(p.keyBuf, byte(t)), t, raw, s.region, &p.pc)
				s.addValue(p, t, raw, key, off, valid, &rw)
			}
			if raw, ok := e.untyped.get(i); ok && raw != "" {
				declared, _ := e.declared.get(i)
				off := len(p.keyBuf)
				key, t, valid := s.rules.appendClassified(p.keyBuf, raw, declared, s.region, &p.pc)
				s.addValue(p, t, raw, key, off, valid, &rw)
			}
			p.rowEnds = append(p.rowEnds, int32(len(p.vals)))
		}
		r += i1 - i0
		b++
	}
}

func (s *stitcher) rowsOf(r int) []int32 { return s.rowIDs[s.rowOff[r]:s.rowOff[r+1]] }

// valTypes returns the types of the values of row r (parallel to rowsOf).
func (s *stitcher) valTypes(r int) []uint8 { return s.valTyp[s.rowOff[r]:s.rowOff[r+1]] }

func (s *stitcher) rowTS(r int) int64 {
	b := s.batchOf(r)
	return s.batches[b].ts.get(r - s.batchStart[b])
}

// batchOf returns the batch holding global row r.
func (s *stitcher) batchOf(r int) int {
	lo, hi := 0, len(s.batches)-1
	for lo < hi {
		m := (lo + hi + 1) / 2
		if s.batchStart[m] <= r {
			lo = m
		} else {
			hi = m - 1
		}
	}
	return lo
}
