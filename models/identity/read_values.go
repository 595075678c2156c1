package identity

import (
	"slices"
)

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
