package metrics

import (
	"hash/maphash"
	"math/bits"
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

// batchRows adds a batch of rows to a row-aligned source whose keys are
// then set through slots.
func (s *keySource) batchRows(col *strCol, rows int) {
	s.batch(col)
	s.n += rows
}

// slots returns the hash slots of the source's rows added by batchRows,
// to be set with the keySet's hash (0, 0 for a null key); the slots of
// different rows may be set by different goroutines.
func (s *keySource) slots() (h1, h2 []uint64) {
	k := s.set
	if grow := s.start + s.n - len(k.h1); grow > 0 {
		k.h1 = append(k.h1, make([]uint64, grow)...)
		k.h2 = append(k.h2, make([]uint64, grow)...)
	}
	return k.h1[s.start : s.start+s.n], k.h2[s.start : s.start+s.n]
}

// namespace returns a namespace (never 0) for keys qualified by name,
// e.g. the order ids of a channel.
func (k *keySet) namespace(name string) uint64 {
	return maphash.String(k.s2, name)*mix1 | 1
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
//
// The non-null hashes are scattered, with their positions, into partition
// order by two workers, a quarter of the partitions at a time (so only a
// quarter of the keys is held twice); the partitions, each read in
// sequence, are then numbered by two workers, each with a small table
// that stays in cache. A key's first local id is its slot; a bitmap of
// the first positions then turns slots into ids in order of first
// occurrence.
func (k *keySet) build() {
	n := len(k.h1)
	pbits := uint(0)
	for (n >> pbits) > 8192 {
		pbits++
	}
	P := 1 << pbits
	part := func(h uint64) int {
		if pbits == 0 {
			return 0
		}
		return int(h >> (64 - pbits))
	}
	// Each worker counts and scatters its own range of positions.
	W := workers()
	if n < 1<<16 {
		W = 1
	}
	wcnt := make([][]int32, W)
	runRanges(W, n, func(w, lo, hi int) {
		c := make([]int32, P)
		for p := lo; p < hi; p++ {
			if k.h1[p]|k.h2[p] != 0 {
				c[part(k.h1[p])]++
			}
		}
		wcnt[w] = c
	})
	start := make([]int32, P+1)
	wpos := make([][]int32, W)
	for w := range wpos {
		wpos[w] = make([]int32, P)
	}
	maxPart := int32(0)
	for q := 0; q < P; q++ {
		at := start[q]
		for w := 0; w < W; w++ {
			wpos[w][q] = at
			at += wcnt[w][q]
		}
		start[q+1] = at
		maxPart = max(maxPart, at-start[q])
	}
	type item struct {
		h1, h2 uint64
		p      int32
	}
	// The partitions are taken in G groups so that only a group's keys
	// are held in partition order at a time. ids[p] is first the key's
	// slot in fp (start[q] + its local id), fp[slot] the first position
	// of that key.
	ids := make([]int32, n)
	fp := make([]int32, start[P])
	cnt := make([]int32, P)
	G := min(P, 4)
	var items []item
	// One probing table per numbering worker, sized for the largest
	// partition and reused across the groups (a table is left empty).
	type slot struct {
		h1, h2 uint64
		id     int32
	}
	size := 16
	for size < 2*int(maxPart) {
		size <<= 1
	}
	tabs := make([][]slot, workers())
	for g := 0; g < G; g++ {
		qlo, qhi := P*g/G, P*(g+1)/G
		base := start[qlo]
		if m := int(start[qhi] - base); cap(items) < m {
			items = make([]item, m)
		}
		runRanges(W, n, func(w, lo, hi int) {
			pos := wpos[w]
			for p := lo; p < hi; p++ {
				a, b := k.h1[p], k.h2[p]
				if a|b == 0 {
					if g == 0 {
						ids[p] = -1
					}
					continue
				}
				if q := part(a); q >= qlo && q < qhi {
					items[pos[q]-base] = item{h1: a, h2: b, p: int32(p)}
					pos[q]++
				}
			}
		})
		runRanges(len(tabs), qhi-qlo, func(w, lo, hi int) {
			tab := tabs[w]
			if tab == nil && lo < hi {
				tab = make([]slot, size)
				for i := range tab {
					tab[i].id = -1
				}
				tabs[w] = tab
			}
			for q := qlo + lo; q < qlo+hi; q++ {
				its := items[start[q]-base : start[q+1]-base]
				if len(its) == 0 {
					continue
				}
				sz := 16
				for sz < 2*len(its) {
					sz <<= 1
				}
				mask := uint64(sz - 1)
				t := tab[:sz]
				f := fp[start[q]:start[q+1]]
				next := int32(0)
				for j := range its {
					it := &its[j]
					a, b := it.h1, it.h2
					i := a & mask
					for {
						s := &t[i]
						if s.id < 0 {
							s.h1, s.h2, s.id = a, b, next
							ids[it.p] = start[q] + next
							f[next] = it.p
							next++
							break
						}
						if s.h1 == a && s.h2 == b {
							ids[it.p] = start[q] + s.id
							break
						}
						i = (i + 1) & mask
					}
				}
				cnt[q] = next
				for i := range t {
					t[i].id = -1
				}
			}
		})
	}
	items = nil
	k.h1, k.h2 = nil, nil
	// Global order of first occurrence: rank of each first position.
	words := (n + 63) / 64
	bm := make([]uint64, words)
	total := 0
	for q := 0; q < P; q++ {
		for _, p := range fp[start[q] : start[q]+cnt[q]] {
			bm[p>>6] |= 1 << (uint(p) & 63)
		}
		total += int(cnt[q])
	}
	rank := make([]int32, words)
	first := make([]int32, 0, total)
	r := int32(0)
	for w, x := range bm {
		rank[w] = r
		r += int32(bits.OnesCount64(x))
		for x != 0 {
			b := bits.TrailingZeros64(x)
			first = append(first, int32(w*64+b))
			x &= x - 1
		}
	}
	parallel(n, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			if s := ids[p]; s >= 0 {
				f := fp[s]
				w := f >> 6
				ids[p] = rank[w] + int32(bits.OnesCount64(bm[w]&(1<<(uint(f)&63)-1)))
			}
		}
	})
	k.ids, k.first = ids, first
}
