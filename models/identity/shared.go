package identity

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

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
	ids     []int32  // local index -> identifier
	names   []uint32 // per candidate: maxNames+1 name hashes
	nameCnt []uint16
	off     []int32  // per candidate: start of its purchases in vel (len+1)
	fill    []int32  // purchases written so far
	vel     []uint64 // day<<32 | store hash
	detail  map[int32]string
	reason  map[int32]uint8
}

// applyShared applies the names and velocity rules (Config.MaxNames,
// MaxOrdersPerDay, MaxStoresPerMonth) to the weak identifiers not blocked
// yet. Only identifiers with more records than a rule's limit can break it,
// so only those are followed.
func (s *stitcher) applyShared() {
	r := &s.rules
	velMin := -1
	for _, v := range []int{r.maxPerDay, r.maxStores} {
		if v >= 0 && (velMin < 0 || v < velMin) {
			velMin = v
		}
	}
	if r.maxNames < 0 && velMin < 0 {
		return
	}
	n := len(s.keys)
	W := readWorkers()
	cand := make([]int32, n)
	shards := make([]*sharedShard, W)
	for k := range shards {
		shards[k] = &sharedShard{off: []int32{0}}
	}
	slots := max(r.maxNames+1, 1)
	for id := 0; id < n; id++ {
		cand[id] = -1
		rec := int(s.records[id])
		if !idType(s.typ[id]).weak() || s.reason[id] != reasonNone || rec == 0 {
			continue
		}
		byName := r.maxNames >= 0 && rec > r.maxNames
		byVel := velMin >= 0 && rec > velMin
		if !byName && !byVel {
			continue
		}
		sh := shards[id&(W-1)]
		cand[id] = int32(len(sh.ids))
		sh.ids = append(sh.ids, int32(id))
		room := 0
		if byVel {
			room = rec
		}
		sh.off = append(sh.off, sh.off[len(sh.off)-1]+int32(room))
	}
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
			s.sharedScan(sh, k, W, cand, slots)
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

// sharedScan collects the names and purchases of shard k's candidates.
func (s *stitcher) sharedScan(sh *sharedShard, k, W int, cand []int32, slots int) {
	r := &s.rules
	mask := int32(W - 1)
	for b, e := range s.batches {
		base := s.batchStart[b]
		rows := int(e.rec.NumRows())
		lastTable, purchase := "\x00", false
		for i := 0; i < rows; i++ {
			ids := s.rowsOf(base + i)
			var nameH uint32
			nameDone, nameOK := false, false
			var key uint64
			keyDone, keyOK := false, false
			for _, id := range ids {
				if id&mask != int32(k) || cand[id] < 0 {
					continue
				}
				c := cand[id]
				if r.maxNames >= 0 && int(sh.nameCnt[c]) <= r.maxNames {
					if !nameDone {
						nameDone = true
						if v, ok := e.name.get(i); ok {
							nameH, nameOK = nameHash(v)
						}
					}
					if nameOK {
						hs := sh.names[int(c)*slots : int(c)*slots+int(sh.nameCnt[c])]
						if !slices.Contains(hs, nameH) {
							sh.names[int(c)*slots+int(sh.nameCnt[c])] = nameH
							sh.nameCnt[c]++
						}
					}
				}
				if sh.off[c+1] > sh.off[c] {
					if !keyDone {
						keyDone = true
						if tb, _ := e.table.get(i); tb != lastTable {
							lastTable, purchase = tb, slices.Contains(r.purchase, tb)
						}
						if ts := e.ts.get(i); purchase && ts != noTS {
							key, keyOK = uint64(floorDiv(ts, 86_400_000_000)+1<<31)<<32, true
							if st, ok := e.store.get(i); ok {
								key |= uint64(storeHash(st))
							}
						}
					}
					if keyOK {
						sh.vel[sh.off[c]+sh.fill[c]] = key
						sh.fill[c]++
					}
				}
			}
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
			m := monthOf(dayOf(v[i]))
			j := i
			stores = stores[:0]
			for j < len(v) && monthOf(dayOf(v[j])) == m {
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
			y, mo, d := civil(bestDay)
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

// civil returns the proleptic Gregorian date of day d (days since
// 1970-01-01), after Howard Hinnant's civil_from_days.
func civil(d int64) (y, m, day int64) {
	z := d + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, day
}

// monthOf numbers the calendar month of day d as year*12 + month-1.
func monthOf(d int64) int64 {
	y, m, _ := civil(d)
	return y*12 + m - 1
}

// storeHash is FNV-1a of the trimmed store id, never 0 (0 = no store).
func storeHash(st string) uint32 {
	st = strings.TrimFunc(st, isTrim)
	if st == "" {
		return 0
	}
	h := uint32(2166136261)
	for i := 0; i < len(st); i++ {
		h = (h ^ uint32(st[i])) * 16777619
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
		switch {
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
