package identity

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
)

type pattern struct {
	re  *regexp.Regexp
	typ int // -1 = all types
}

// splitTyped splits "type:rest" when type is one of IDTypes.
func splitTyped(entry string) (int, string) {
	if i := strings.IndexByte(entry, ':'); i > 0 {
		if t, ok := typeByName(strings.TrimSpace(entry[:i])); ok {
			return int(t), entry[i+1:]
		}
	}
	return -1, entry
}

func compilePatterns(ps []string) ([]pattern, error) {
	var out []pattern
	for _, p := range ps {
		t, expr := splitTyped(p)
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("identity: block pattern %q: %w", p, err)
		}
		out = append(out, pattern{re: re, typ: t})
	}
	return out, nil
}

// applyBlocklist marks blocklisted and pattern-matched identifiers. A
// pattern is tried on the normalised value, on a phone's national number in
// digits, and its raw spellings were tried while reading (fHit).
func (s *stitcher) applyBlocklist(pats []pattern) {
	s.reason = make([]uint8, len(s.keys))
	var buf []byte
	for _, entry := range s.cfg.Blocklist {
		typ, raw := splitTyped(entry)
		for t := idType(0); t < numTypes; t++ {
			if typ >= 0 && int(t) != typ {
				continue
			}
			key, ok := appendNormalized(append(buf[:0], byte(t)), t, raw, s.region, &s.pc)
			buf = key[:0]
			if !ok {
				continue
			}
			if id := s.dict.lookup(key); id >= 0 {
				s.reason[id] = reasonBlocklist
			}
		}
	}
	s.dict.release()
	if len(pats) == 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	n := len(s.keys)
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := lo; id < hi; id++ {
				if s.reason[id] != reasonNone {
					continue
				}
				if id < len(s.flags) && s.flags[id]&fHit != 0 {
					s.reason[id] = reasonPattern
					continue
				}
				k := s.keys[id]
				t := int(k[0])
				nat := ""
				if t == int(tPhone) && s.records[id] > 0 {
					nat = s.nationalForm(int32(id))
				}
				for _, p := range pats {
					if (p.typ < 0 || p.typ == t) && (p.re.MatchString(k[1:]) || (nat != "" && p.re.MatchString(nat))) {
						s.reason[id] = reasonPattern
						break
					}
				}
			}
		}()
	}
	wg.Wait()
}

func (s *stitcher) idTyp(id int32) idType { return idType(s.typ[id]) }

const partnerSlots = 8
const partnerSpilled = 255

// partners tracks the distinct identifiers each weak identifier co-occurs
// with: up to partnerSlots inline, then a set.
type partners struct {
	slot  []int32 // per identifier: block index, -1
	cells []int32
	cnt   []uint8
	over  map[int32]map[int32]struct{}
	sink  int64
}

func (p *partners) add(w, x int32) {
	b := p.slot[w]
	if b < 0 {
		b = int32(len(p.cnt))
		p.slot[w] = b
		p.cnt = append(p.cnt, 1)
		p.cells = append(p.cells, x, 0, 0, 0, 0, 0, 0, 0)
		return
	}
	n := p.cnt[b]
	if n == partnerSpilled {
		p.over[b][x] = struct{}{}
		return
	}
	base := int(b) * partnerSlots
	cells := p.cells[base : base+int(n)]
	for _, y := range cells {
		if y == x {
			return
		}
	}
	if n < partnerSlots {
		p.cells[base+int(n)] = x
		p.cnt[b]++
		return
	}
	m := make(map[int32]struct{}, 4*partnerSlots)
	for _, y := range cells {
		m[y] = struct{}{}
	}
	m[x] = struct{}{}
	if p.over == nil {
		p.over = map[int32]map[int32]struct{}{}
	}
	p.over[b] = m
	p.cnt[b] = partnerSpilled
}

func (p *partners) each(w int32, f func(int32)) {
	b := p.slot[w]
	if b < 0 {
		return
	}
	n := p.cnt[b]
	if n == partnerSpilled {
		for x := range p.over[b] {
			f(x)
		}
		return
	}
	base := int(b) * partnerSlots
	for _, x := range p.cells[base : base+int(n)] {
		f(x)
	}
}

// applyCap counts, for every weak identifier, the distinct strong ids (per
// kind) and the distinct phones and emails it co-occurs with, and blocks it
// when a count exceeds its cap; then applies the conflict rule.
func (s *stitcher) applyCap() {
	n := len(s.keys)
	nrows := len(s.rowOff) - 1
	// openid -> unionid ties.
	tie := map[int32]int32{}
	for r := 0; r < nrows; r++ {
		ids := s.rowsOf(r)
		if len(ids) < 2 {
			continue
		}
		var o, u int32 = -1, -1
		vt := s.valTypes(r)
		for j, id := range ids {
			switch idType(vt[j]) {
			case tOpenID:
				o = id
			case tUnionID:
				u = id
			}
		}
		if o >= 0 && u >= 0 && s.reason[u] == reasonNone {
			if _, ok := tie[o]; !ok {
				tie[o] = u
			}
		}
	}
	// strong kinds: member_card, unionid, openid, buyer_id per channel
	kindNames := map[string]int16{}
	kind := make([]int16, n)
	for id := 0; id < n; id++ {
		t := idType(s.typ[id])
		if t.weak() {
			kind[id] = -1
			continue
		}
		k := s.keys[id]
		name := k[:1]
		if t == tBuyer {
			if i := strings.IndexByte(k, ':'); i > 0 {
				name = k[:i]
			}
		}
		kd, ok := kindNames[name]
		if !ok {
			kd = int16(min(len(kindNames), 1<<15-1))
			kindNames[name] = kd
		}
		kind[id] = kd
	}
	W := readWorkers()
	slot := make([]int32, n)
	for i := range slot {
		slot[i] = -1
	}
	ps := make(partnerSets, W)
	ambiguous := make([]bool, n) // weak ids with two strong ids of one kind
	s.strongCnt = make([]int32, n)
	s.weakCnt = make([]int32, n)
	anyAmb := make([]bool, W)
	var wg sync.WaitGroup
	// Count partners (reading only blocklist/pattern decisions), then decide.
	for k := range ps {
		ps[k] = &partners{slot: slot}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.countPartners(ps[k], k, W, tie)
		}()
	}
	wg.Wait()
	for k := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			anyAmb[k] = s.capShard(ps[k], k, W, kind, len(kindNames), ambiguous)
		}()
	}
	wg.Wait()
	if slices.Contains(anyAmb, true) && !s.cfg.NoConflictRule {
		s.applyConflicts(ps, ambiguous)
	}
}

// countPartners counts the partners of the weak identifiers id with
// id%W == k.
func (s *stitcher) countPartners(p *partners, k, W int, tie map[int32]int32) {
	nrows := len(s.rowOff) - 1
	mine := func(id int32) bool { return int(id)&(W-1) == k } // W is a power of two (readWorkers)
	var strong, weak []int32
	var sink int64
	const block = 128
	for r := 0; r < nrows; r++ {
		if r%block == 0 {
			// touch the partner cells of the block's identifiers first so
			// that their cache misses overlap
			for q := r; q < min(r+block, nrows); q++ {
				for _, id := range s.rowsOf(q) {
					if mine(id) {
						if b := p.slot[id]; b >= 0 {
							sink += int64(p.cells[int(b)*partnerSlots])
						}
					}
				}
			}
		}
		ids := s.rowsOf(r)
		if len(ids) < 2 {
			continue
		}
		strong, weak = strong[:0], weak[:0]
		hasMine := false
		vt := s.valTypes(r)
		for j, id := range ids {
			t := idType(vt[j])
			if t.weak() {
				weak = append(weak, id)
				hasMine = hasMine || mine(id)
				continue
			}
			if s.reason[id] != reasonNone {
				continue
			}
			if t == tOpenID {
				if u, ok := tie[id]; ok {
					id = u
				}
			}
			strong = append(strong, id)
		}
		if !hasMine {
			continue
		}
		for _, w := range weak {
			if !mine(w) {
				continue
			}
			for _, x := range strong {
				p.add(w, x)
			}
			if s.maxWeak >= 0 {
				tw := s.idTyp(w)
				for _, x := range weak {
					if tx := s.idTyp(x); tx != tw && tx != tDevice && s.reason[x] == reasonNone {
						p.add(w, x)
					}
				}
			}
		}
	}
	p.sink = sink
}

// capShard applies the cap to the weak identifiers id with id%W == k. It
// reports whether one of them is ambiguous (two strong ids of one kind) and
// still usable.
func (s *stitcher) capShard(p *partners, k, W int, kind []int16, nKinds int, ambiguous []bool) bool {
	kindCnt := make([]int32, nKinds+1)
	var touched []int16
	anyAmbiguous := false
	for id := int32(k); id < int32(len(s.keys)); id += int32(W) {
		if p.slot[id] < 0 {
			continue
		}
		var total, phones, emails int32
		touched = touched[:0]
		p.each(id, func(x int32) {
			switch s.idTyp(x) {
			case tPhone:
				phones++
			case tEmail:
				emails++
			default:
				total++
				kd := kind[x]
				if kindCnt[kd] == 0 {
					touched = append(touched, kd)
				}
				kindCnt[kd]++
			}
		})
		var maxKind int32
		for _, kd := range touched {
			maxKind = max(maxKind, kindCnt[kd])
			kindCnt[kd] = 0
		}
		s.strongCnt[id] = total
		s.weakCnt[id] = max(phones, emails)
		if maxKind >= 2 {
			ambiguous[id] = true
		}
		if s.reason[id] != reasonNone {
			continue
		}
		metric := maxKind
		if s.cfg.CapAcrossKinds {
			metric = total
		}
		if (s.maxStrong >= 0 && int(metric) > s.maxStrong) || (s.maxWeak >= 0 && int(max(phones, emails)) > s.maxWeak) {
			s.reason[id] = reasonCap
		} else if maxKind >= 2 {
			anyAmbiguous = true
		}
	}
	return anyAmbiguous
}

// partnerSets holds the partners of identifier id in element id % len.
type partnerSets []*partners

func (ps partnerSets) each(id int32, f func(int32)) { ps[int(id)%len(ps)].each(id, f) }

// applyConflicts refuses an ambiguous weak identifier W (co-occurring with
// at least two strong ids of one kind, within the cap) when two of its
// strong partners carry different other phones, or different other emails:
// W then joins people who each have their own phone (a store phone typed on
// two members' receipts, a test email on two buyers' orders). Only phones
// and emails that are themselves unambiguous and not blocked count as
// "other".
func (s *stitcher) applyConflicts(p partnerSets, ambiguous []bool) {
	n := int32(len(s.keys))
	need := make([]bool, n)
	for id := int32(0); id < n; id++ {
		if ambiguous[id] && s.reason[id] == reasonNone {
			p.each(id, func(x int32) {
				if !s.idTyp(x).weak() {
					need[x] = true
				}
			})
		}
	}
	type others struct{ ph, em [2]int32 }
	sets := map[int32]*others{}
	put := func(v *[2]int32, x int32) {
		if v[0] < 0 {
			v[0] = x
		} else if v[0] != x && v[1] < 0 {
			v[1] = x
		}
	}
	for x := int32(0); x < n; x++ {
		t := s.idTyp(x)
		if (t != tPhone && t != tEmail) || ambiguous[x] || s.reason[x] != reasonNone {
			continue
		}
		p.each(x, func(st int32) {
			if s.idTyp(st).weak() || !need[st] {
				return
			}
			o := sets[st]
			if o == nil {
				o = &others{ph: [2]int32{-1, -1}, em: [2]int32{-1, -1}}
				sets[st] = o
			}
			if t == tPhone {
				put(&o.ph, x)
			} else {
				put(&o.em, x)
			}
		})
	}
	conflict := func(ids []int32, nonEmpty int) bool {
		if nonEmpty < 2 {
			return false
		}
		for _, a := range ids[1:] {
			if a != ids[0] {
				return true
			}
		}
		return false
	}
	var phs, ems []int32
	for id := int32(0); id < n; id++ {
		if !ambiguous[id] || s.reason[id] != reasonNone {
			continue
		}
		phs, ems = phs[:0], ems[:0]
		np, ne := 0, 0
		p.each(id, func(st int32) {
			if s.idTyp(st).weak() {
				return
			}
			o := sets[st]
			if o == nil {
				return
			}
			if o.ph[0] >= 0 {
				np++
				phs = append(phs, o.ph[0])
				if o.ph[1] >= 0 {
					phs = append(phs, o.ph[1])
				}
			}
			if o.em[0] >= 0 {
				ne++
				ems = append(ems, o.em[0])
				if o.em[1] >= 0 {
					ems = append(ems, o.em[1])
				}
			}
		})
		if conflict(phs, np) || conflict(ems, ne) {
			s.reason[id] = reasonConflict
		}
	}
}
