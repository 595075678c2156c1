package identity

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/crmkit/crmkit/models/days"
	"github.com/nyaruka/phonenumbers"
)

// classifyPhones sets the number type of every phone of the evidence.
// Chinese mobiles (+86 1[3-9]x, the normaliser's fast path) are mobile
// without parsing; only the other phones, one parse per distinct number
// spread over the workers, go through phonenumbers. With phone block
// patterns it also keeps their national numbers in digits.
func (s *stitcher) classifyPhones() {
	n := len(s.keys)
	s.phoneType = make([]uint8, n)
	var slow []int32
	for id := 0; id < n; id++ {
		if s.typ[id] != uint8(tPhone) || s.records[id] == 0 {
			continue
		}
		if k := s.keys[id]; len(k) == 15 && k[1:4] == "+86" && k[4] == '1' && k[5] >= '3' && k[5] <= '9' {
			s.phoneType[id] = uint8(phonenumbers.MOBILE) + 1
			continue
		}
		slow = append(slow, int32(id))
	}
	if len(slow) == 0 {
		return
	}
	national := make([]string, len(slow))
	wantNat := s.rules.patFor[tPhone]
	W := readWorkers()
	var wg sync.WaitGroup
	for w := 0; w < W; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(slow); i += W {
				id := slow[i]
				t := phonenumbers.UNKNOWN
				num, err := phonenumbers.Parse(s.keys[id][1:], s.region)
				if err == nil {
					t = phonenumbers.GetNumberType(num)
					if wantNat {
						national[i] = digitsOnly(phonenumbers.Format(num, phonenumbers.NATIONAL))
					}
				}
				s.phoneType[id] = uint8(t) + 1
			}
		}()
	}
	wg.Wait()
	if wantNat {
		s.national = make(map[int32]string, len(slow))
		for i, id := range slow {
			s.national[id] = national[i]
		}
	}
}

func digitsOnly(v string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
}

// nationalForm is the national number in digits of a phone identifier
// ("02162881234", "13812345678"), "" when unknown.
func (s *stitcher) nationalForm(id int32) string {
	k := s.keys[id]
	if s.phoneType[id] == uint8(phonenumbers.MOBILE)+1 && strings.HasPrefix(k, "\x00+86") {
		return k[4:]
	}
	return s.national[id]
}

// applyPhoneTypes refuses the phones whose number type is not in
// Config.LinkPhoneTypes and counts the phones by type.
func (s *stitcher) applyPhoneTypes() {
	counts := make([]int64, len(PhoneTypeNames))
	for id, pt := range s.phoneType {
		if pt == 0 {
			continue
		}
		counts[pt-1]++
		if s.reason[id] == reasonNone && !s.rules.linkPhone[pt-1] {
			s.reason[id] = reasonPhoneType
		}
	}
	s.stats.PhoneTypes = map[string]int64{}
	for i, c := range counts {
		s.stats.PhoneTypes[PhoneTypeNames[i]] = c
	}
}

// sharedShard is one worker's share of the names and velocity rules: the
// candidate identifiers id with id%W == k.
type sharedShard struct {
	idx     map[int32]int32 // identifier -> local index
	ids     []int32         // local index -> identifier
	names   []uint32        // per candidate: maxNames+1 name hashes
	nameCnt []uint16
	off     []int32  // per candidate: start of its purchases in vel (len+1)
	fill    []int32  // purchases written so far
	vel     []uint64 // day<<32 | store hash
	detail  map[int32]string
	reason  map[int32]uint8
}

// applyShared applies the names and velocity rules (Config.MaxNames,
// MaxOrdersPerDay, MaxStoresPerMonth) to the weak identifiers not blocked
// yet. Reading marked the identifiers that may break them (fMultiName: two
// distinct names; fVelocity: enough purchases), so only those few are
// followed through the records here.
func (s *stitcher) applyShared() {
	r := &s.rules
	if !r.sharedOn() || s.flags == nil {
		return
	}
	W := readWorkers()
	n := len(s.keys)
	bits := make([]uint64, (n+63)/64)
	shards := make([]*sharedShard, W)
	for k := range shards {
		shards[k] = &sharedShard{off: []int32{0}, idx: map[int32]int32{}}
	}
	found := false
	for id := 0; id < len(s.flags); id++ {
		f := s.flags[id]
		if f&(fMultiName|fVelocity) == 0 || s.reason[id] != reasonNone || !idType(s.typ[id]).weak() {
			continue
		}
		rec := int(s.records[id])
		byName := f&fMultiName != 0 && r.maxNames >= 0 && rec > r.maxNames
		byVel := f&fVelocity != 0
		if !byName && !byVel {
			continue
		}
		found = true
		bits[id>>6] |= 1 << (id & 63)
		sh := shards[id&(W-1)]
		sh.idx[int32(id)] = int32(len(sh.ids))
		sh.ids = append(sh.ids, int32(id))
		room := 0
		if byVel {
			room = rec
		}
		sh.off = append(sh.off, sh.off[len(sh.off)-1]+int32(room))
	}
	if !found {
		return
	}
	slots := max(r.maxNames+1, 1)
	hits := s.sharedHits(bits, W)
	var wg sync.WaitGroup
	for k, sh := range shards {
		if len(sh.ids) == 0 {
			continue
		}
		sh.names = make([]uint32, len(sh.ids)*slots)
		sh.nameCnt = make([]uint16, len(sh.ids))
		sh.fill = make([]int32, len(sh.ids))
		sh.vel = make([]uint64, sh.off[len(sh.off)-1])
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.sharedScan(sh, k, W, hits, slots)
			s.sharedDecide(sh, slots)
		}()
	}
	wg.Wait()
	for _, sh := range shards {
		for id, why := range sh.reason {
			s.reason[id] = why
			if s.detail == nil {
				s.detail = map[int32]string{}
			}
			s.detail[id] = sh.detail[id]
		}
	}
}

// sharedHit is a value of a candidate of the names and velocity rules:
// its record and identifier.
type sharedHit struct{ row, id int32 }

// sharedHits finds the values of the candidates (bits) in one pass over
// the records, split into W ranges of records scanned in parallel; the
// bitset of the few candidates filters the flat identifier list at memory
// speed. Each range's hits are in record order.
func (s *stitcher) sharedHits(bits []uint64, W int) [][]sharedHit {
	nrows := len(s.rowOff) - 1
	per := (nrows + W - 1) / W
	hits := make([][]sharedHit, W)
	var wg sync.WaitGroup
	for w := range hits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out []sharedHit
			for row := w * per; row < min((w+1)*per, nrows); row++ {
				for _, id := range s.rowsOf(row) {
					if bits[id>>6]&(1<<(id&63)) != 0 {
						out = append(out, sharedHit{int32(row), id})
					}
				}
			}
			hits[w] = out
		}()
	}
	wg.Wait()
	return hits
}

// sharedScan collects the names and purchases of shard k's candidates
// from their values (hits).
func (s *stitcher) sharedScan(sh *sharedShard, k, W int, hits [][]sharedHit, slots int) {
	for _, hs := range hits {
		for _, h := range hs {
			if h.id&int32(W-1) == int32(k) {
				s.sharedHit(sh, int(h.row), h.id, slots)
			}
		}
	}
}

// sharedHit adds the name and purchase of record row to candidate id.
func (s *stitcher) sharedHit(sh *sharedShard, row int, id int32, slots int) {
	r := &s.rules
	b := s.batchOf(row)
	e, i := s.batches[b], row-s.batchStart[b]
	c := sh.idx[id]
	if r.maxNames >= 0 && int(sh.nameCnt[c]) <= r.maxNames {
		if v, ok := e.name.get(i); ok {
			if h, ok := nameHash(v); ok {
				hs := sh.names[int(c)*slots : int(c)*slots+int(sh.nameCnt[c])]
				if !slices.Contains(hs, h) {
					sh.names[int(c)*slots+int(sh.nameCnt[c])] = h
					sh.nameCnt[c]++
				}
			}
		}
	}
	if sh.off[c+1] > sh.off[c] {
		tb, _ := e.table.get(i)
		if ts := e.ts.get(i); ts != noTS && slices.Contains(r.purchase, tb) {
			key := uint64(floorDiv(ts, 86_400_000_000)+1<<31) << 32
			if st, ok := e.store.get(i); ok {
				key |= uint64(storeHash(st))
			}
			sh.vel[sh.off[c]+sh.fill[c]] = key
			sh.fill[c]++
		}
	}
}

// sharedDecide refuses the candidates that break a rule.
func (s *stitcher) sharedDecide(sh *sharedShard, slots int) {
	r := &s.rules
	sh.reason, sh.detail = map[int32]uint8{}, map[int32]string{}
	var stores []uint32
	for c, id := range sh.ids {
		if r.maxNames >= 0 && int(sh.nameCnt[c]) > r.maxNames {
			sh.reason[id] = reasonManyNames
			sh.detail[id] = fmt.Sprintf("more than %d names", r.maxNames)
			continue
		}
		v := sh.vel[sh.off[c] : sh.off[c]+sh.fill[c]]
		if len(v) == 0 {
			continue
		}
		slices.Sort(v)
		bestDay, bestDayN := int64(0), 0
		bestMonth, bestMonthN := int64(0), 0
		for i := 0; i < len(v); {
			// one month: days i..j
			m := days.Month(dayOf(v[i]))
			j := i
			stores = stores[:0]
			for j < len(v) && days.Month(dayOf(v[j])) == m {
				d := dayOf(v[j])
				e := j
				for e < len(v) && dayOf(v[e]) == d {
					if st := uint32(v[e]); st != 0 {
						stores = append(stores, st)
					}
					e++
				}
				if e-j > bestDayN {
					bestDay, bestDayN = d, e-j
				}
				j = e
			}
			slices.Sort(stores)
			if ns := len(slices.Compact(stores)); ns > bestMonthN {
				bestMonth, bestMonthN = m, ns
			}
			i = j
		}
		switch {
		case r.maxPerDay >= 0 && bestDayN > r.maxPerDay:
			y, mo, d := days.ToCivil(bestDay)
			sh.reason[id] = reasonVelocity
			sh.detail[id] = fmt.Sprintf("%d purchases on %04d-%02d-%02d", bestDayN, y, mo, d)
		case r.maxStores >= 0 && bestMonthN > r.maxStores:
			sh.reason[id] = reasonVelocity
			sh.detail[id] = fmt.Sprintf("%d stores in %04d-%02d", bestMonthN, bestMonth/12, bestMonth%12+1)
		}
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func dayOf(v uint64) int64 { return int64(v>>32) - 1<<31 }

// storeHash is FNV-1a of the trimmed store id, never 0 (0 = no store).
func storeHash(st string) uint32 {
	st = trimSpace(st)
	if st == "" {
		return 0
	}
	h := uint32(2166136261)
	for i := 0; i < len(st); i++ {
		h = (h ^ uint32(st[i])) * 16777619
	}
	return max(h, 1)
}

// rawNameHash hashes a name as written (trimmed of ASCII spaces), 0 for an
// empty one. Reading marks an identifier seen with two different raw names
// (fMultiName) and only those are checked with nameHash; two spellings of
// one name only make an identifier checked, never refused.
func rawNameHash(raw string) uint32 {
	i, j := 0, len(raw)
	for i < j && raw[i] == ' ' {
		i++
	}
	for j > i && raw[j-1] == ' ' {
		j--
	}
	if i == j {
		return 0
	}
	h := uint32(2166136261)
	for ; i < j; i++ {
		h = (h ^ uint32(raw[i])) * 16777619
	}
	return max(h, 1)
}

// nameMasks are the characters that mask part of a name ("张*", "j***n").
func isNameMask(r rune) bool {
	switch r {
	case '*', '?', '×', '●', '○', '■', '□':
		return true
	}
	return false
}

// namePlaceholders are names that name nobody: the generic placeholders of
// NormalizeID and the forms of address a till uses for an unnamed customer.
var namePlaceholders = append(slices.Clone(placeholders), "customer", "顾客", "客户", "散客", "会员", "先生", "女士", "小姐", "用户")

// nameHash hashes the normalised form of a name: full-width folded,
// lower-cased, without spaces, punctuation and symbols. It returns false
// for a blank, placeholder or masked name.
func nameHash(raw string) (uint32, bool) {
	var buf [96]byte
	b := buf[:0]
	for _, r := range raw {
		// fast paths: CJK ideographs and ASCII letters and digits, the
		// bulk of names, need none of the checks below
		switch {
		case r >= 0x4E00 && r <= 0x9FFF, r >= '0' && r <= '9', r >= 'a' && r <= 'z':
			if len(b)+utf8.UTFMax <= cap(b) {
				b = utf8.AppendRune(b, r)
			}
			continue
		case r >= 'A' && r <= 'Z':
			if len(b) < cap(b) {
				b = append(b, byte(r+'a'-'A'))
			}
			continue
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		if isNameMask(r) {
			return 0, false
		}
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || r == '·' || r == '\u200b' || r == '\ufeff' {
			continue
		}
		r = unicode.ToLower(r)
		if len(b)+utf8.UTFMax > cap(b) {
			break
		}
		b = utf8.AppendRune(b, r)
	}
	if len(b) == 0 {
		return 0, false
	}
	if len(b) <= 12 {
		for _, p := range namePlaceholders {
			if p == string(b) {
				return 0, false
			}
		}
	}
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h, true
}
