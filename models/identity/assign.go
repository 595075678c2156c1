package identity

import (
	"cmp"
	"slices"
)

// assignIDs names the components from the prior map and records merges and
// splits (see Stitch, step 4).
func (s *stitcher) assignIDs() {
	nP := len(s.priorNums)
	nC := s.nComp
	// Where did each prior customer's identifiers go?
	pComp := make([]int32, nP)
	pCnt := make([]int32, nP)
	for i := range pComp {
		pComp[i] = -1
	}
	pMulti := map[int32]map[int32]int32{}
	for id := range s.keys {
		c, p := s.compOf[id], s.prior[id]
		if c < 0 || p < 0 {
			continue
		}
		switch {
		case pComp[p] < 0:
			pComp[p], pCnt[p] = c, 1
		case pComp[p] == c && pCnt[p] >= 0:
			pCnt[p]++
		default:
			m := pMulti[p]
			if m == nil {
				m = map[int32]int32{pComp[p]: pCnt[p]}
				pMulti[p] = m
				pCnt[p] = -1 // counts now live in m
			}
			m[c]++
		}
	}
	// Heir of each split prior customer: most of its identifiers, then the
	// larger component, then compCompare.
	if len(pMulti) > 0 {
		var cs []int32
		for _, m := range pMulti {
			for c := range m {
				cs = append(cs, c)
			}
		}
		s.ensureMinID(cs)
	}
	for p, m := range pMulti {
		best, bestN := int32(-1), int32(0)
		for c, k := range m {
			if best < 0 || k > bestN ||
				(k == bestN && (s.compSize[c] > s.compSize[best] ||
					(s.compSize[c] == s.compSize[best] && s.compCompare(c, best) < 0))) {
				best, bestN = c, k
			}
		}
		pComp[p] = best
	}
	// Candidates per component; the smallest number survives.
	compBest := make([]int32, nC)
	nCand := make([]int32, nC)
	for i := range compBest {
		compBest[i] = -1
	}
	for p := int32(0); p < int32(nP); p++ {
		h := pComp[p]
		if h < 0 {
			s.stats.Retired++
			continue
		}
		nCand[h]++
		if b := compBest[h]; b < 0 || s.priorNums[p] < s.priorNums[b] {
			compBest[h] = p
		}
	}
	s.compCust = make([]int64, nC)
	var fresh []int32
	for c := int32(0); c < int32(nC); c++ {
		if b := compBest[c]; b >= 0 {
			s.compCust[c] = s.priorNums[b]
		} else {
			fresh = append(fresh, c)
		}
	}
	s.sortComps(fresh)
	next := s.maxPrior
	for _, c := range fresh {
		next++
		s.compCust[c] = next
	}
	s.stats.NewIDs = int64(len(fresh))
	s.stats.MaxCustomerNumber = next
	s.stats.Customers = int64(nC)

	// Merges.
	mergeLinks := s.mergeLinks(pComp, compBest, nCand)
	for p := int32(0); p < int32(nP); p++ {
		h := pComp[p]
		if h < 0 || compBest[h] == p {
			continue
		}
		ident, ok := mergeLinks[s.priorNums[p]]
		if !ok {
			ident = -1
		}
		s.changes = append(s.changes, change{kind: "merge", surviving: s.compCust[h], absorbed: s.priorNums[p], ident: ident})
		s.stats.Merges++
	}
	// Splits.
	if len(pMulti) > 0 {
		links := s.splitLinks(pMulti, pComp)
		for p, m := range pMulti {
			for c := range m {
				if c == pComp[p] {
					continue
				}
				ident, ok := links[[2]int32{p, c}]
				if !ok {
					ident = -1
				}
				s.changes = append(s.changes, change{kind: "split", surviving: s.priorNums[p], absorbed: s.compCust[c], ident: ident})
				s.stats.Splits++
			}
		}
	}
	slices.SortFunc(s.changes, func(a, b change) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.surviving, b.surviving), cmp.Compare(a.absorbed, b.absorbed))
	})
	s.pComp = pComp
	s.pMulti = pMulti
}

// mergeLinks replays, in ts order, the records of the components that
// received several prior ids, starting from groups of identifiers that share
// a prior id, and returns for each absorbed customer number the identifier
// that first joined its group to a group with an older id.
func (s *stitcher) mergeLinks(pComp, compBest, nCand []int32) map[int64]int32 {
	out := map[int64]int32{}
	any := false
	for _, k := range nCand {
		if k > 1 {
			any = true
			break
		}
	}
	if !any {
		return out
	}
	n := len(s.keys)
	par := make([]int32, n)
	label := make([]int64, n)
	rep := map[int32]int32{}
	for id := int32(0); id < int32(n); id++ {
		par[id] = id
		c := s.compOf[id]
		if c < 0 || nCand[c] < 2 {
			continue
		}
		if p := s.prior[id]; p >= 0 && pComp[p] == c {
			if r, ok := rep[p]; ok {
				par[id] = r
			} else {
				rep[p] = id
				label[id] = s.priorNums[p]
			}
		}
	}
	find := func(x int32) int32 {
		for par[x] != x {
			par[x] = par[par[x]]
			x = par[x]
		}
		return x
	}
	type rowTS struct {
		ts  int64
		row int32
	}
	var rows []rowTS
	nrows := len(s.rowOff) - 1
	for r := 0; r < nrows; r++ {
		u := s.firstUsable(r)
		if u < 0 || nCand[s.compOf[u]] < 2 {
			continue
		}
		rows = append(rows, rowTS{s.rowTS(r), int32(r)})
	}
	slices.SortFunc(rows, func(a, b rowTS) int { return cmp.Or(cmp.Compare(a.ts, b.ts), cmp.Compare(a.row, b.row)) })
	for _, rt := range rows {
		var a int32 = -1
		for _, b := range s.rowsOf(int(rt.row)) {
			if !s.usable(b) {
				continue
			}
			if a < 0 {
				a = b
				continue
			}
			ra, rb := find(a), find(b)
			if ra == rb {
				continue
			}
			la, lb := label[ra], label[rb]
			if la != 0 && lb != 0 {
				// side of the older (surviving) group first
				older, younger, absorbed := a, b, lb
				if lb < la {
					older, younger, absorbed = b, a, la
				}
				ident := older
				if !s.idTyp(older).weak() && s.idTyp(younger).weak() {
					ident = younger
				}
				if _, ok := out[absorbed]; !ok {
					out[absorbed] = ident
				}
			}
			lab := la
			if lab == 0 || (lb != 0 && lb < lab) {
				lab = lb
			}
			par[rb] = ra
			label[ra] = lab
		}
	}
	return out
}

// splitLinks finds, for each split part (prior customer p, component c), a
// blocked identifier that used to belong to p and occurs on a record of c;
// failing that, any blocked identifier of p.
func (s *stitcher) splitLinks(pMulti map[int32]map[int32]int32, pComp []int32) map[[2]int32]int32 {
	out := map[[2]int32]int32{}
	nrows := len(s.rowOff) - 1
	for r := 0; r < nrows; r++ {
		ids := s.rowsOf(r)
		u := int32(-1)
		for _, id := range ids {
			if s.usable(id) {
				u = id
				break
			}
		}
		if u < 0 {
			continue
		}
		c := s.compOf[u]
		for _, b := range ids {
			if s.reason[b] == reasonNone {
				continue
			}
			p := s.prior[b]
			if p < 0 || pMulti[p] == nil {
				continue
			}
			if _, isPart := pMulti[p][c]; !isPart {
				continue
			}
			k := [2]int32{p, c}
			if _, ok := out[k]; !ok {
				out[k] = b
			}
		}
	}
	fallback := map[int32]int32{}
	for id := int32(0); id < int32(len(s.keys)); id++ {
		if s.reason[id] == reasonNone {
			continue
		}
		if p := s.prior[id]; p >= 0 && pMulti[p] != nil {
			if _, ok := fallback[p]; !ok {
				fallback[p] = id
			}
		}
	}
	for p, m := range pMulti {
		for c := range m {
			k := [2]int32{p, c}
			if _, ok := out[k]; !ok && c != pComp[p] {
				if b, ok := fallback[p]; ok {
					out[k] = b
				}
			}
		}
	}
	return out
}
