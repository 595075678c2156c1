package identity

import (
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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

// nonEmpty reports whether a string value has non-space content.
func nonEmpty(v string) bool {
	if v == "" {
		return false
	}
	if c, d := v[0], v[len(v)-1]; c > ' ' && c < utf8.RuneSelf && d > ' ' && d < utf8.RuneSelf {
		return true
	}
	return trimSpace(v) != ""
}

func trimmed(c *strCol, i int) (string, bool) {
	v, ok := c.get(i)
	if !ok {
		return "", false
	}
	v = trimSpace(v)
	return v, v != ""
}

// rowValue reads a string column of global row r, trimmed.
func (s *stitcher) rowValue(r int32, col func(*evidenceCols) *strCol) (string, bool) {
	b := s.batchOf(int(r))
	return trimmed(col(s.batches[b]), int(r)-s.batchStart[b])
}

// rowSource is the source of row r, or its channel when source is null.
func (s *stitcher) rowSource(r int32) (string, bool) {
	if v, ok := s.rowValue(r, func(e *evidenceCols) *strCol { return e.source }); ok {
		return v, true
	}
	return s.rowValue(r, func(e *evidenceCols) *strCol { return e.channel })
}

// buildCustomers writes the golden records of components [lo, hi), in
// component order (order of first appearance of the customer).
func (s *stitcher) buildCustomers(gst []gstate, gs []*golden, lo, hi int) arrow.RecordBatch {
	rb := array.NewRecordBuilder(s.mem, CustomersSchema)
	defer rb.Release()
	n := max(hi-lo, 0)
	rb.Reserve(n)
	str := make([]*array.StringBuilder, len(CustomersSchema.Fields()))
	for i, f := range CustomersSchema.Fields() {
		if f.Type.ID() == arrow.STRING {
			str[i] = rb.Field(i).(*array.StringBuilder)
			str[i].ReserveData(n * []int{9, 14, 12, 24, 12, 9, 12, 6, 12, 6, 12, 0, 0, 6, 0}[i])
		}
	}
	fsb := rb.Field(11).(*array.TimestampBuilder)
	lsb := rb.Field(12).(*array.TimestampBuilder)
	idb := rb.Field(14).(*array.Int64Builder)
	opt := func(b *array.StringBuilder, v string, ok bool) {
		if ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
	}
	var g *golden
	src := func(b *array.StringBuilder, p gpick) {
		switch {
		case p.row < 0:
			b.AppendNull()
		case p.src >= 0:
			b.Append(g.names[p.src])
		default:
			v, ok := s.rowSource(p.row)
			opt(b, v, ok)
		}
	}
	for c := lo; c < hi; c++ {
		st := &gst[c]
		g = gs[c%len(gs)]
		str[0].Append(s.custStr[c])
		if st.phone.row >= 0 {
			str[1].Append(s.keys[st.phoneID][1:])
		} else {
			str[1].AppendNull()
		}
		src(str[2], st.phone)
		if st.email.row >= 0 {
			str[3].Append(s.keys[st.emailID][1:])
		} else {
			str[3].AppendNull()
		}
		src(str[4], st.email)
		if st.name.row >= 0 {
			v, ok := s.rowValue(st.name.row, func(e *evidenceCols) *strCol { return e.name })
			opt(str[5], v, ok)
		} else {
			str[5].AppendNull()
		}
		src(str[6], st.name)
		if home := g.home(st, int32(c)); home != nil {
			str[7].Append(g.stores[home.store])
			src(str[8], gpick{row: home.lastRow, src: home.src})
		} else {
			str[7].AppendNull()
			str[8].AppendNull()
		}
		switch {
		case st.region.row < 0:
			str[9].AppendNull()
		case st.regionVal >= 0:
			str[9].Append(g.names[st.regionVal])
		default:
			v, ok := s.rowValue(st.region.row, func(e *evidenceCols) *strCol { return e.region })
			opt(str[9], v, ok)
		}
		src(str[10], st.region)
		appendTS(fsb, s.compMinTs[c])
		appendTS(lsb, st.last)
		switch p := st.first; {
		case p.row < 0:
			str[13].AppendNull()
		case p.src >= 0:
			str[13].Append(g.names[p.src])
		default:
			v, ok := s.rowValue(p.row, func(e *evidenceCols) *strCol { return e.channel })
			opt(str[13], v, ok)
		}
		idb.Append(int64(s.compSize[c]))
	}
	return rb.NewRecordBatch()
}
