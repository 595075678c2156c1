package identity

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
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

// rowInfo is what the values of one evidence row share: its ts, and for
// the names and velocity rules the row's rowRule, made on the row's first
// weak value (a third of the rows have none).
type rowInfo struct {
	e    *evidenceCols
	i    int
	ts   int64
	rule uint32 // 1 + index in the part's rowRules, 0 = not made yet
	// rec_table of the last row whose rowRule was made, and whether it is
	// a purchase table (rows of one table come in runs)
	lastTable string
	purchase  bool
}

// rowRule returns 1 + the index of the current row's rowRule in
// p.rowRules, making it on first use.
func (s *stitcher) rowRule(p *readPart, rw *rowInfo) uint32 {
	if rw.rule != 0 {
		return rw.rule
	}
	var rr rowRule
	if s.rules.maxNames >= 0 {
		if nm, ok := rw.e.name.get(rw.i); ok {
			rr.name = rawNameHash(nm)
		}
	}
	if s.rules.velocityOn() && rw.ts != noTS {
		if tb, _ := rw.e.table.get(rw.i); tb != rw.lastTable {
			rw.lastTable, rw.purchase = tb, slices.Contains(s.rules.purchase, tb)
		}
		if rw.purchase {
			rr.flags = fPurchase
			if st, ok := rw.e.store.get(rw.i); ok {
				rr.store = storeHash(st)
			}
		}
	}
	p.rowRules = append(p.rowRules, rr)
	rw.rule = uint32(len(p.rowRules))
	return rw.rule
}

// addValue records the value raw of type t of the current row, whose key
// (type byte + normalised value) is key[off:] when valid.
func (s *stitcher) addValue(p *readPart, t idType, raw string, key []byte, off int, valid bool, rw *rowInfo) {
	if !valid {
		p.keyBuf = key[:off]
		if !isBlank(raw) {
			p.values[t]++
			p.invalid[t]++
		}
		return
	}
	p.keyBuf = key
	p.values[t]++
	v := pendingVal{
		h:   s.dict.hash(key[off:]),
		off: int32(off), end: int32(len(key)),
		pos: int32(len(p.vals)), ts: rw.ts,
	}
	if s.rules.patFor[t] && s.rawMatch(t, raw, key[off+1:]) {
		v.aux = auxHit
	}
	if t.weak() && s.rules.sharedOn() {
		v.aux |= s.rowRule(p, rw)
	}
	p.vals = append(p.vals, v)
}

// rawMatch reports whether a block pattern for type t matches the raw
// spelling of a value, trimmed. Spellings equal to the normalised value or
// (for Chinese mobiles) to its national digits are left to applyBlocklist,
// which tries those forms once per identifier.
func (s *stitcher) rawMatch(t idType, raw string, norm []byte) bool {
	v := trimSpace(raw)
	if v == string(norm) || (t == tPhone && len(norm) == 14 && string(norm[:3]) == "+86" && v == string(norm[3:])) {
		return false
	}
	for _, p := range s.rules.pats {
		if (p.typ < 0 || p.typ == int(t)) && p.re.MatchString(v) {
			return true
		}
	}
	return false
}

// internShard interns the values of shard k found in the parts, writing
// (local id << shift | k) into rowIDs.
func (s *stitcher) internShard(k int, shift uint, sh *readShard, parts []*readPart, base []int32) {
	tab := s.dict.tabs[k]
	const block = 256
	var blk [block]*pendingVal
	var blkBase [block]int32
	var blkKeys [block][]byte
	var blkRules [block][]rowRule
	n := 0
	flush := func() {
		var acc uint32
		for i := 0; i < n; i++ {
			acc += tab.touch(blk[i].h)
		}
		sh.sink += uint64(acc)
		for i := 0; i < n; i++ {
			v := blk[i]
			l, isNew := tab.internHashed(blkKeys[i], v.h)
			if isNew {
				if len(sh.st) == cap(sh.st) {
					sh.grow()
				}
				sh.st = append(sh.st, idStat{first: noTS, last: noTS})
			}
			st := &sh.st[l]
			if v.aux != 0 {
				rs := &st.rule
				if v.aux&auxHit != 0 {
					rs.flags |= fHit
				}
				if ri := v.aux &^ auxHit; ri != 0 {
					rr := &blkRules[i][ri-1]
					if rr.name != 0 {
						if rs.name == 0 {
							rs.name = rr.name
						} else if rs.name != rr.name {
							rs.flags |= fMultiName
						}
					}
					if rr.flags&fPurchase != 0 {
						d := &rs.days[(floorDiv(v.ts, 86_400_000_000)%3+3)%3]
						*d = min(*d, 254) + 1
						if rr.store != 0 {
							if rs.store == 0 {
								rs.store = rr.store
							} else if rs.store != rr.store {
								rs.flags |= fMultiStore
							}
						}
					}
				}
			}
			s.rowIDs[blkBase[i]+v.pos] = l<<shift | int32(k)
			s.valTyp[blkBase[i]+v.pos] = blkKeys[i][0]
			st.records++
			if ts := v.ts; ts != noTS {
				if f := st.first; f == noTS || ts < f {
					st.first = ts
				}
				if ts > st.last {
					st.last = ts
				}
			}
		}
		n = 0
	}
	for w, p := range parts {
		for j := range p.vals {
			v := &p.vals[j]
			if s.dict.shard(v.h) != k {
				continue
			}
			blk[n], blkBase[n], blkKeys[n], blkRules[n] = v, base[w], p.keyBuf[v.off:v.end], p.rowRules
			n++
			if n == block {
				flush()
			}
		}
	}
	flush()
}

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
