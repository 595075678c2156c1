package metrics

import "strings"

// interner gives dense int32 ids to strings, in order of first sight.
type interner struct {
	m     map[string]int32
	names []string
}

func newInterner(capacity int) *interner {
	return &interner{m: make(map[string]int32, capacity)}
}

func clone(s string) string { return strings.Clone(s) }

// id returns the id of s, adding it when new.
func (t *interner) id(s string) int32 {
	if v, ok := t.m[s]; ok {
		return v
	}
	s = clone(s)
	v := int32(len(t.names))
	t.m[s] = v
	t.names = append(t.names, s)
	return v
}

// find returns the id of s without adding it.
func (t *interner) find(s string) (int32, bool) {
	v, ok := t.m[s]
	return v, ok
}

func (t *interner) len() int { return len(t.names) }

// name returns the string of id (unknown for -1).
func (t *interner) name(id int32) string {
	if id < 0 || int(id) >= len(t.names) {
		return ""
	}
	return t.names[id]
}

// csr groups items 0..n-1 by a key in 0..k-1 (counting sort, stable): the
// items of key g are perm[start[g]:start[g+1]].
type csr struct {
	start []int32
	perm  []int32
}

func buildCSR(keys []int32, k int) csr {
	start := make([]int32, k+1)
	for _, g := range keys {
		if g >= 0 {
			start[g+1]++
		}
	}
	for g := 0; g < k; g++ {
		start[g+1] += start[g]
	}
	pos := make([]int32, k)
	copy(pos, start[:k])
	perm := make([]int32, start[k])
	for i, g := range keys {
		if g >= 0 {
			perm[pos[g]] = int32(i)
			pos[g]++
		}
	}
	return csr{start: start, perm: perm}
}

func (c csr) items(g int32) []int32 { return c.perm[c.start[g]:c.start[g+1]] }
