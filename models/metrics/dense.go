package metrics

import (
	"hash/maphash"
	"sort"
)

// keySet gives dense int32 ids to many string keys at once (customer ids,
// order ids), in order of first occurrence.
//
// Each key is reduced to a 128-bit hash (two independent maphash values)
// as it is added; build then groups the hashes by their top bits into
// partitions of a few thousand keys and numbers the distinct hashes of
// each partition with a small open-addressing table that stays in cache.
// That is several times faster than a Go map over millions of strings,
// whose every lookup misses the cache. Two different keys share an id only
// if both 64-bit hashes collide (probability about n²/2¹²⁹: 10⁻²⁶ for ten
// million keys). Strings are never copied until a name is asked for: a
// source remembers where its keys live in its Arrow columns.
type keySet struct {
	s1, s2 maphash.Seed
	h1, h2 []uint64 // (0, 0) marks a null key
	srcs   []*keySource
	ids    []int32 // after build: id per key position, -1 for null
	first  []int32 // after build: key position of each id's first occurrence
}

// keySource is one column of keys added to a keySet: either row-aligned
// (one key per row of its batches, in order) or by reference (each key
// names its batch and row).
type keySource struct {
	set        *keySet
	start      int
	cols       []*strCol
	batchStart []int   // row-aligned: relative position of each batch's first row
	refs       []int64 // by reference: batch<<32 | row per key
	n          int
}

func newKeySet(capacity int) *keySet {
	return &keySet{s1: maphash.MakeSeed(), s2: maphash.MakeSeed(), h1: make([]uint64, 0, capacity), h2: make([]uint64, 0, capacity)}
}

// source starts a new source of keys.
func (k *keySet) source() *keySource {
	s := &keySource{set: k, start: len(k.h1)}
	k.srcs = append(k.srcs, s)
	return s
}

// batch starts the next batch of a row-aligned source.
func (s *keySource) batch(col *strCol) {
	s.cols = append(s.cols, col)
	s.batchStart = append(s.batchStart, s.n)
}

const (
	mix1 = 0x9E3779B97F4A7C15
	mix2 = 0xC2B2AE3D27D4EB4F
)

func (k *keySet) hash(ns uint64, v string) (uint64, uint64) {
	if v == "" {
		return 0, 0
	}
	a := maphash.String(k.s1, v) ^ ns*mix1
	b := maphash.String(k.s2, v) ^ ns*mix2
	if a|b == 0 {
		b = 1
	}
	return a, b
}

func (s *keySource) push(ns uint64, v string) int {
	a, b := s.set.hash(ns, v)
	s.set.h1 = append(s.set.h1, a)
	s.set.h2 = append(s.set.h2, b)
	s.n++
	return s.n - 1
}

// put replaces the key at position i of the source: a row-aligned source
// may add a null for a row and put its key once the row is known to count.
func (s *keySource) put(i int, ns uint64, v string) {
	s.set.h1[s.start+i], s.set.h2[s.start+i] = s.set.hash(ns, v)
}

// add adds the key of the next row of a row-aligned source ("" is null).
// ns separates namespaces (e.g. the channel of an order id).
func (s *keySource) add(ns uint64, v string) int { return s.push(ns, v) }

// addRef adds a key that lives at (batch, row) of the source's columns
// and returns its position in the source.
func (s *keySource) addRef(ns uint64, v string, batch, row int) int {
	s.refs = append(s.refs, int64(batch)<<32|int64(row))
	return s.push(ns, v)
}

// refBatches sets the columns a by-reference source points into.
func (s *keySource) refBatches(cols []*strCol) { s.cols = cols }

// id returns the id of the key at position i of the source (-1: null).
func (s *keySource) id(i int) int32 { return s.set.ids[s.start+i] }

// locate returns the batch and row of position i of the source.
func (s *keySource) locate(i int) (int, int) {
	if s.refs != nil {
		r := s.refs[i]
		return int(r >> 32), int(r & 0xffffffff)
	}
	b := sort.Search(len(s.batchStart), func(j int) bool { return s.batchStart[j] > i }) - 1
	return b, i - s.batchStart[b]
}

// len is the number of distinct keys (after build).
func (k *keySet) len() int { return len(k.first) }

// name returns the string of id (a copy), "" for -1.
func (k *keySet) name(id int32) string {
	if id < 0 {
		return ""
	}
	p := int(k.first[id])
	j := sort.Search(len(k.srcs), func(j int) bool { return k.srcs[j].start > p }) - 1
	s := k.srcs[j]
	b, r := s.locate(p - s.start)
	return clone(s.cols[b].at(r))
}

// build numbers the distinct keys.
func (k *keySet) build() {
	n := len(k.h1)
	bits := uint(0)
	for (n >> bits) > 4096 {
		bits++
	}
	P := 1 << bits
	part := func(h uint64) int {
		if bits == 0 {
			return 0
		}
		return int(h >> (64 - bits))
	}
	start := make([]int32, P+1)
	for p := 0; p < n; p++ {
		if k.h1[p]|k.h2[p] != 0 {
			start[part(k.h1[p])+1]++
		}
	}
	maxPart := int32(0)
	for i := 0; i < P; i++ {
		maxPart = max(maxPart, start[i+1])
		start[i+1] += start[i]
	}
	perm := make([]int32, start[P])
	pos := make([]int32, P)
	copy(pos, start[:P])
	for p := 0; p < n; p++ {
		if k.h1[p]|k.h2[p] != 0 {
			q := part(k.h1[p])
			perm[pos[q]] = int32(p)
			pos[q]++
		}
	}
	type slot struct {
		h1, h2 uint64
		id     int32
	}
	size := 16
	for size < 2*int(maxPart) {
		size <<= 1
	}
	tab := make([]slot, size)
	for i := range tab {
		tab[i].id = -1
	}
	prov := make([]int32, n)
	for i := range prov {
		prov[i] = -1
	}
	next := int32(0)
	for q := 0; q < P; q++ {
		items := perm[start[q]:start[q+1]]
		if len(items) == 0 {
			continue
		}
		sz := 16
		for sz < 2*len(items) {
			sz <<= 1
		}
		mask := uint64(sz - 1)
		t := tab[:sz]
		for _, p := range items {
			a, b := k.h1[p], k.h2[p]
			i := a & mask
			for {
				s := &t[i]
				if s.id < 0 {
					s.h1, s.h2, s.id = a, b, next
					prov[p] = next
					next++
					break
				}
				if s.h1 == a && s.h2 == b {
					prov[p] = s.id
					break
				}
				i = (i + 1) & mask
			}
		}
		for i := range t {
			t[i].id = -1
		}
	}
	// Renumber in order of first occurrence.
	final := make([]int32, next)
	for i := range final {
		final[i] = -1
	}
	first := make([]int32, 0, next)
	for p := 0; p < n; p++ {
		q := prov[p]
		if q < 0 {
			continue
		}
		f := final[q]
		if f < 0 {
			f = int32(len(first))
			final[q] = f
			first = append(first, int32(p))
		}
		prov[p] = f
	}
	k.ids, k.first = prov, first
	k.h1, k.h2 = nil, nil
}
