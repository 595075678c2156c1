package identity

import (
	"strings"
)

// gpick is the record chosen so far for one golden field.
type gpick struct {
	ts   int64
	row  int32 // -1: none
	rank int16
	src  int16 // index into golden.names (source, or channel for first), -1 unknown
}

// better reports whether a candidate (rank, ts, row) beats the pick:
// lower rank, then more recent ts, then the row that comes after (see
// stitcher.rowAfter).
func (p *gpick) better(rank int16, ts int64, row int32, after func(a, b int32) bool) bool {
	if p.row < 0 {
		return true
	}
	if rank != p.rank {
		return rank < p.rank
	}
	if ts != p.ts {
		return ts > p.ts
	}
	return after(row, p.row)
}

type storeAgg struct {
	lastTs  int64
	lastRow int32
	count   int32
	store   int32
	src     int16
}

// add counts a record (ts, row, source) at this store.
func (a *storeAgg) add(ts int64, row int32, src int16, after func(a, b int32) bool) {
	a.count++
	if a.count == 1 || ts > a.lastTs || (ts == a.lastTs && after(row, a.lastRow)) {
		a.lastTs, a.lastRow, a.src = ts, row, src
	}
}

// beats reports whether a is a better home store than b, names mapping
// store indexes to store ids: more records, then the more recent last
// record, then the smaller store id (byte order). The order depends only on
// the counts, times and store ids, never on the order of the evidence rows
// or on the prior map, so stitching again over the same evidence picks the
// same home store.
func (a *storeAgg) beats(b *storeAgg, names []string) bool {
	if a.count != b.count {
		return a.count > b.count
	}
	if a.lastTs != b.lastTs {
		return a.lastTs > b.lastTs
	}
	return names[a.store] < names[b.store]
}

// gstate is the golden-record state of one customer, 128 bytes (two cache
// lines) so that a record touches few lines.
type gstate struct {
	first        gpick
	cust         int64 // customer number
	last         int64
	phone, email gpick
	// second cache line
	name, region     gpick
	phoneID, emailID int32
	regionVal        int16 // interned region, -1: read it from the row
	nStores          uint8 // stores in stores[:2]; 3 = more, counted in golden.more
	stores           [2]storeAgg
	_                [8]byte
}

// golden is one worker's share of the golden records: the customers whose
// component index is k modulo the number of workers, with the dictionaries
// their gstates refer to.
type golden struct {
	more   map[uint64]*storeAgg // (component, store) of customers with 3+ stores
	homes  map[int32]*storeAgg  // home store of customers with 3+ stores
	stores []string
	names  []string // interned sources, channels and regions
	sink   uint64   // keeps the prefetching loads alive
	after  func(a, b int32) bool
}

// rowAfter reports whether evidence row a comes after row b in the stable
// record order: by rec_key, then by position. Every tie of the golden
// record (same source rank and time) and of home_store_source is broken
// by it, so a rerun over the same data picks the same values whatever order
// the warehouse returned the evidence rows in (rec_key is unique per
// table).
func (s *stitcher) rowAfter(a, b int32) bool {
	key := func(e *evidenceCols) *strCol { return e.key }
	ka, _ := s.rowValue(a, key)
	kb, _ := s.rowValue(b, key)
	if ka != kb {
		return ka > kb
	}
	return a > b
}

func (s *stitcher) newGoldenState() []gstate {
	st := make([]gstate, s.nComp)
	for i := range st {
		g := &st[i]
		g.phone.row, g.email.row, g.name.row, g.region.row, g.first.row = -1, -1, -1, -1, -1
		g.last = noTS
		g.cust = s.compCust[i]
		g.regionVal = -1
	}
	return st
}

// goldenPass walks the evidence once more and updates the golden state of
// the customers whose component index is k modulo W.
func (s *stitcher) goldenPass(gst []gstate, rowComp []int32, rowInfo []uint16, k, W int) *golden {
	g := &golden{more: map[uint64]*storeAgg{}, after: s.rowAfter}
	prio := map[string]int16{}
	for i, p := range s.cfg.SourcePriority {
		if _, ok := prio[p]; !ok {
			prio[p] = int16(min(i, 1<<14))
		}
	}
	unlisted := int16(min(len(s.cfg.SourcePriority), 1<<14))
	rankOf := func(v string, ok bool) int16 {
		if !ok {
			return unlisted
		}
		if r, ok := prio[v]; ok {
			return r
		}
		return unlisted
	}
	nameIdx := map[string]int16{}
	intern := func(v string, ok bool) int16 {
		if !ok {
			return -1
		}
		if i, ok := nameIdx[v]; ok {
			return i
		}
		if len(g.names) >= 1<<15-1 {
			return -1
		}
		v = strings.Clone(v)
		i := int16(len(g.names))
		g.names = append(g.names, v)
		nameIdx[v] = i
		return i
	}
	storeIdx := map[string]int32{}
	mine := func(c int32) bool { return c >= 0 && int(c)&(W-1) == k } // W is a power of two (readWorkers)
	const block = 256
	row := 0
	for _, e := range s.batches {
		nr := int(e.rec.NumRows())
		var lastSrc, lastCh string
		var lastSrcOK, lastChOK bool
		var srcRank, chRank, srcIdx, chIdx int16
		first := true
		for b0 := 0; b0 < nr; b0 += block {
			b1 := min(b0+block, nr)
			// touch the customers of the block first (overlapping misses)
			var acc int64
			for i := b0; i < b1; i++ {
				if c := rowComp[row+i-b0]; mine(c) {
					acc += gst[c].cust + int64(gst[c].name.row)
				}
			}
			g.sink += uint64(acc)
			for i := b0; i < b1; i, row = i+1, row+1 {
				comp := rowComp[row]
				if !mine(comp) {
					continue
				}
				st := &gst[comp]
				var phone, email int32 = -1, -1
				if info := rowInfo[row]; info != 0 {
					off := s.rowOff[row]
					if p := info & 0xff; p != 0 {
						phone = s.rowIDs[off+int32(p)-1]
					}
					if e := info >> 8; e != 0 {
						email = s.rowIDs[off+int32(e)-1]
					}
				}
				src, srcOK := e.source.get(i)
				ch, chOK := e.channel.get(i)
				if first || srcOK != lastSrcOK || src != lastSrc {
					srcRank, srcIdx, lastSrc, lastSrcOK = rankOf(src, srcOK), intern(src, srcOK), src, srcOK
				}
				if first || chOK != lastChOK || ch != lastCh {
					chRank, chIdx, lastCh, lastChOK = rankOf(ch, chOK), intern(ch, chOK), ch, chOK
				}
				first = false
				rank := min(srcRank, chRank)
				sidx := srcIdx
				if !srcOK {
					sidx = chIdx
				}
				ts := e.ts.get(i)
				r32 := int32(row)
				// earliest record: ts ascending (none last), rank, input order
				if fp := &st.first; fp.row < 0 || earlier(ts, rank, r32, fp.ts, fp.rank, fp.row, g.after) {
					*fp = gpick{ts: ts, row: r32, rank: rank, src: chIdx}
				}
				if ts > st.last {
					st.last = ts
				}
				if phone >= 0 && st.phone.better(rank, ts, r32, g.after) {
					st.phone = gpick{ts: ts, row: r32, rank: rank, src: sidx}
					st.phoneID = phone
				}
				if email >= 0 && st.email.better(rank, ts, r32, g.after) {
					st.email = gpick{ts: ts, row: r32, rank: rank, src: sidx}
					st.emailID = email
				}
				if v, ok := e.name.get(i); ok && nonEmpty(v) && st.name.better(rank, ts, r32, g.after) {
					st.name = gpick{ts: ts, row: r32, rank: rank, src: sidx}
				}
				if v, ok := e.region.get(i); ok && nonEmpty(v) && st.region.better(rank, ts, r32, g.after) {
					st.region = gpick{ts: ts, row: r32, rank: rank, src: sidx}
					st.regionVal = intern(trimSpace(v), true)
				}
				if v, ok := e.store.get(i); ok && nonEmpty(v) {
					si, ok := storeIdx[v]
					if !ok {
						v = strings.Clone(trimSpace(v))
						if si, ok = storeIdx[v]; !ok {
							si = int32(len(g.stores))
							g.stores = append(g.stores, v)
							storeIdx[v] = si
						}
					}
					g.addStore(st, comp, si, ts, r32, sidx)
				}
			}
		}
	}
	g.homes = map[int32]*storeAgg{}
	for key, a := range g.more {
		comp := int32(key >> 32)
		if b := g.homes[comp]; b == nil || a.beats(b, g.stores) {
			g.homes[comp] = a
		}
	}
	return g
}

// addStore counts a record of customer comp at store si. Up to two stores
// are counted inline in st.stores; from the third on, every store of the
// customer (the first two copied over) is counted in g.more only, so no
// record is counted in a copy that home no longer reads.
func (g *golden) addStore(st *gstate, comp, si int32, ts int64, row int32, src int16) {
	for k := 0; k < int(st.nStores) && st.nStores < 3; k++ {
		if st.stores[k].store == si {
			st.stores[k].add(ts, row, src, g.after)
			return
		}
	}
	if st.nStores < 2 {
		st.stores[st.nStores] = storeAgg{store: si}
		st.stores[st.nStores].add(ts, row, src, g.after)
		st.nStores++
		return
	}
	if st.nStores == 2 {
		st.nStores = 3
		for k := range st.stores {
			a := st.stores[k]
			g.more[uint64(comp)<<32|uint64(uint32(a.store))] = &a
		}
	}
	key := uint64(comp)<<32 | uint64(uint32(si))
	a := g.more[key]
	if a == nil {
		a = &storeAgg{store: si}
		g.more[key] = a
	}
	a.add(ts, row, src, g.after)
}

// home returns the home store of a customer.
func (g *golden) home(st *gstate, comp int32) *storeAgg {
	switch st.nStores {
	case 0:
		return nil
	case 1:
		return &st.stores[0]
	case 2:
		if st.stores[1].beats(&st.stores[0], g.stores) {
			return &st.stores[1]
		}
		return &st.stores[0]
	}
	return g.homes[comp]
}

// earlier orders records by ts ascending (records without ts last), then
// rank, then input order.
func earlier(ts int64, rank int16, row int32, ts2 int64, rank2 int16, row2 int32, after func(a, b int32) bool) bool {
	if ts != ts2 {
		return tsKey(ts) < tsKey(ts2)
	}
	if rank != rank2 {
		return rank < rank2
	}
	return after(row2, row)
}
