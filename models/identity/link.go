package identity

import (
	"cmp"
	"slices"
)

func (s *stitcher) find(x int32) int32 {
	par := s.parent
	for par[x] != x {
		par[x] = par[par[x]]
		x = par[x]
	}
	return x
}

// link unites the usable identifiers of each record (union by size, path
// halving) and numbers the components in order of their first identifier.
func (s *stitcher) link() {
	n := len(s.keys)
	s.parent = make([]int32, n)
	size := make([]int32, n)
	for i := range s.parent {
		s.parent[i] = int32(i)
		size[i] = 1
	}
	nrows := len(s.rowOff) - 1
	for r := 0; r < nrows; r++ {
		ids := s.rowsOf(r)
		if len(ids) < 2 {
			continue
		}
		var ra int32 = -1
		for _, id := range ids {
			if s.reason[id] != reasonNone {
				continue
			}
			if ra < 0 {
				ra = s.find(id)
				continue
			}
			rb := s.find(id)
			if ra == rb {
				continue
			}
			if size[ra] < size[rb] {
				ra, rb = rb, ra
			}
			s.parent[rb] = ra
			size[ra] += size[rb]
		}
	}
	// number components; size is reused as root -> component.
	rootComp := size
	for i := range rootComp {
		rootComp[i] = -1
	}
	s.compOf = make([]int32, n)
	for id := int32(0); id < int32(n); id++ {
		if s.reason[id] != reasonNone || s.records[id] == 0 {
			s.compOf[id] = -1
			continue
		}
		r := s.find(id)
		c := rootComp[r]
		if c < 0 {
			c = int32(s.nComp)
			s.nComp++
			rootComp[r] = c
			s.compSize = append(s.compSize, 0)
			s.compMinTs = append(s.compMinTs, noTS)
		}
		s.compOf[id] = c
		s.compSize[c]++
		if f := s.firstTs[id]; f != noTS && (s.compMinTs[c] == noTS || f < s.compMinTs[c]) {
			s.compMinTs[c] = f
		}
	}
	s.parent = nil
	s.compMinID = make([]int32, s.nComp)
	for i := range s.compMinID {
		s.compMinID[i] = -1
	}
}

// ensureMinID computes the smallest identifier (type, then value) of the
// given components.
func (s *stitcher) ensureMinID(cs []int32) {
	need := map[int32]bool{}
	for _, c := range cs {
		if s.compMinID[c] < 0 {
			need[c] = true
		}
	}
	if len(need) == 0 {
		return
	}
	for id := int32(0); id < int32(len(s.keys)); id++ {
		c := s.compOf[id]
		if c < 0 || !need[c] {
			continue
		}
		if m := s.compMinID[c]; m < 0 || s.keys[id] < s.keys[m] {
			s.compMinID[c] = id
		}
	}
}

func tsKey(ts int64) int64 {
	if ts == noTS {
		return 1<<63 - 1
	}
	return ts
}

// compCompare orders components for tie-breaks and new-id numbering:
// earliest first seen (none last), then smallest identifier. The smallest
// identifiers must have been computed (ensureMinID) when first seen ties.
func (s *stitcher) compCompare(a, b int32) int {
	if c := cmp.Compare(tsKey(s.compMinTs[a]), tsKey(s.compMinTs[b])); c != 0 || a == b {
		return c
	}
	return cmp.Compare(s.keys[s.compMinID[a]], s.keys[s.compMinID[b]])
}

// sortComps sorts components by compCompare, computing smallest identifiers
// only for components whose first seen ties.
func (s *stitcher) sortComps(cs []int32) {
	slices.SortFunc(cs, func(a, b int32) int {
		return cmp.Or(cmp.Compare(tsKey(s.compMinTs[a]), tsKey(s.compMinTs[b])), cmp.Compare(a, b))
	})
	var tied []int32
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && s.compMinTs[cs[j]] == s.compMinTs[cs[i]] {
			j++
		}
		if j-i > 1 {
			tied = append(tied, cs[i:j]...)
		}
		i = j
	}
	if len(tied) == 0 {
		return
	}
	s.ensureMinID(tied)
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && s.compMinTs[cs[j]] == s.compMinTs[cs[i]] {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(cs[i:j], s.compCompare)
		}
		i = j
	}
}

// firstUsable returns the first usable identifier of row r, or -1.
func (s *stitcher) firstUsable(r int) int32 {
	for _, id := range s.rowsOf(r) {
		if s.compOf[id] >= 0 {
			return id
		}
	}
	return -1
}

// usable reports whether an identifier links: it is in the evidence and not
// blocked (valid after link).
func (s *stitcher) usable(id int32) bool { return s.compOf[id] >= 0 }
