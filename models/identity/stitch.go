package identity

import (
	"fmt"
	"math"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Default values used when the corresponding Config field is zero.
const (
	DefaultMaxStrongIDs  = 3
	DefaultMaxWeakIDs    = 10
	DefaultDefaultRegion = "CN"
)

// Config configures Stitch.
type Config struct {
	// MaxStrongIDs is the cap: a weak identifier (phone, email, device_id)
	// that co-occurs, on the same records, with more than MaxStrongIDs
	// distinct strong identifiers of one kind is not used to link and is
	// reported in Blocked with reason "cap". The kinds are: member_card;
	// buyer_id of each channel (the part before ':', so tmall and jd buyer ids
	// are separate kinds); unionid; openid not tied to a unionid (an openid
	// seen on any record with a unionid counts as that unionid). Counting per
	// kind keeps the phone of a customer who shops on four channels (one
	// member card, one Tmall and one JD buyer id, one unionid) while a store
	// phone typed on the receipts of many members is refused. Blocklisted
	// strong ids are not counted. 0 means DefaultMaxStrongIDs (3); a
	// negative value disables the cap.
	MaxStrongIDs int
	// CapAcrossKinds makes the cap count all strong ids together instead of
	// per kind (the literal reading: more than MaxStrongIDs distinct strong
	// ids of any kind). It refuses more junk and more genuine multi-channel
	// phones.
	CapAcrossKinds bool
	// MaxWeakIDs guards links between weak identifiers where no strong id is
	// present (guest checkouts, anonymous receipts): a phone, email or
	// device_id that co-occurs with more than MaxWeakIDs distinct phones, or
	// more than MaxWeakIDs distinct emails, is refused with reason "cap".
	// Device ids are never counted as partners (they rotate). 0 means
	// DefaultMaxWeakIDs (10); negative disables.
	MaxWeakIDs int
	// Blocklist lists junk values (shared store phones, test emails). Each
	// entry is either "type:value" where type is one of IDTypes
	// ("phone:400 820 8820", "buyer_id:tmall:test") or a bare value, which is
	// tried as every identifier type. The value is normalised like the data
	// before matching, so "+86 400-820-8820" and "4008208820" match the same
	// phone.
	Blocklist []string
	// BlockPatterns are regular expressions (Go RE2 syntax) matched against
	// normalised values; "type:regex" restricts a pattern to one identifier
	// type (e.g. `phone:^\+86(400|800)`, `email:@(example|test)\.com$`).
	// Unanchored patterns match anywhere in the value.
	BlockPatterns []string
	// DefaultRegion is the region used to read phone numbers written
	// without a country code ("CN" when empty).
	DefaultRegion string
	// SourcePriority ranks record sources for the golden record. A record's
	// rank is the position of the first entry equal to its source or to its
	// channel; records matching no entry rank after all listed ones. For each
	// golden field the candidate with the best (lowest) rank wins; among equal
	// ranks the most recent record (ts) wins, then the later record in input
	// order. With an empty list survivorship is simply "most recent
	// non-empty".
	SourcePriority []string
	// Alloc allocates the output arrays (memory.DefaultAllocator when nil).
	Alloc memory.Allocator
}

// Result is what Stitch returns. Every batch must be released by the caller
// (Release releases them all).
type Result struct {
	// Assignments: one batch per evidence batch, same rows in the same
	// order, schema AssignmentsSchema (rec_table, rec_key, customer_id).
	// rec_table and rec_key are the evidence arrays themselves (retained)
	// when they are plain utf8. customer_id is null for a record with no
	// usable identifier (anonymous, only invalid or only blocked ids).
	Assignments []arrow.RecordBatch
	// IdentityMap (IdentityMapSchema): one row per usable identifier,
	// ordered by customer_id, then by first appearance in the evidence.
	// Blocked identifiers are not in it. Identifiers from the prior map that
	// no longer occur in the evidence are carried forward (records = 0,
	// first/last seen from the prior map when it has them) with their
	// customer id, updated if that customer was absorbed by a merge; so the
	// map never forgets an id and new ids never reuse an old number.
	IdentityMap []arrow.RecordBatch
	// Blocked (BlockedSchema): identifiers of the evidence refused for
	// linking, ordered by records descending then type and value.
	Blocked []arrow.RecordBatch
	// Changes (ChangesSchema): merges and splits of this run.
	Changes []arrow.RecordBatch
	// Customers (CustomersSchema): the golden record of every customer that
	// has evidence in this run, ordered by customer_id.
	Customers []arrow.RecordBatch
	// StatsBatch is Stats in long form (StatsSchema), for the data-health
	// scorecard.
	StatsBatch []arrow.RecordBatch
	Stats      Stats
}

// Release releases all batches of the result.
func (r *Result) Release() {
	for _, bs := range [][]arrow.RecordBatch{r.Assignments, r.IdentityMap, r.Blocked, r.Changes, r.Customers, r.StatsBatch} {
		for _, b := range bs {
			b.Release()
		}
	}
}

// Stats summarises a run. Per-type maps are keyed by IDTypes names.
type Stats struct {
	Records          int64 // evidence records
	RecordsAssigned  int64 // records with a customer_id
	RecordsAnonymous int64 // records without a usable identifier
	// Values counts non-empty identifier values read (per record and type).
	Values map[string]int64
	// Invalid counts non-empty values that failed normalisation (letters in
	// a phone, too short, a malformed email, a placeholder such as "null").
	Invalid map[string]int64
	// Identifiers counts distinct usable identifiers of the evidence (rows
	// of IdentityMap that are not carried forward), per type in
	// IdentifiersByType.
	Identifiers       int64
	IdentifiersByType map[string]int64
	CarriedForward    int64            // identity_map rows kept from the prior map only
	Blocked           int64            // distinct blocked identifiers of the evidence
	BlockedByReason   map[string]int64 // blocklist, pattern, cap
	BlockedRecords    int64            // records carrying at least one blocked identifier
	Customers         int64            // customers with evidence in this run
	PriorCustomers    int64            // distinct customer ids in the prior map
	Merges            int64            // merge changes (absorbed ids)
	Splits            int64            // split changes
	NewIDs            int64            // customer ids issued in this run
	Retired           int64            // prior ids with no evidence left and not absorbed
	MaxCustomerNumber int64            // largest customer number issued so far
}

const (
	reasonNone uint8 = iota
	reasonBlocklist
	reasonPattern
	reasonCap
)

var reasonNames = [...]string{"", "blocklist", "pattern", "cap"}

type arena struct{ cur []byte }

func (a *arena) str(b []byte) string {
	if len(a.cur)+len(b) > cap(a.cur) {
		n := 1 << 20
		if len(b) > n {
			n = len(b)
		}
		a.cur = make([]byte, 0, n)
	}
	off := len(a.cur)
	a.cur = append(a.cur, b...)
	return unsafe.String(&a.cur[off], len(b))
}

type ghostInfo struct {
	first, last int64
	records     int64
}

type stitcher struct {
	cfg      Config
	region   string
	mem      memory.Allocator
	runID    string
	pc       phoneCache
	maxStrong, maxWeak int

	// interning: key = type byte + normalised value
	index map[string]int32
	arena arena
	keys  []string
	buf   []byte

	// per identifier
	firstTs, lastTs []int64
	records         []int32
	prior           []int32 // dense prior customer index, -1
	reason          []uint8
	strongCnt       []int32 // distinct strong partners (for Blocked)
	weakCnt         []int32 // max distinct weak partners of one type
	ghosts          map[int32]ghostInfo

	// rows (CSR of identifier ids per evidence row)
	batches    []*evidenceCols
	batchStart []int
	rowOff     []int32
	rowIDs     []int32

	priorNums []int64
	maxPrior  int64

	// union-find and components
	parent  []int32
	compOf  []int32 // per identifier, -1 when not usable
	nComp   int
	compSize  []int32
	compMinTs []int64
	compMinID []int32
	compCust  []int64

	changes    []change
	absorbedTo map[int32]int64 // prior index -> customer number now holding it
	pComp      []int32
	pMulti     map[int32]map[int32]int32
	stats      Stats
}

type change struct {
	kind      string
	surviving int64
	absorbed  int64
	ident     int32 // -1 when unknown
}

// Stitch links the identifiers of the evidence records into customers.
//
// Evidence batches carry the columns rec_table and rec_key (required,
// utf8), ts (timestamp, any unit, read as UTC; int64 is read as
// microseconds), source, channel, the identifier columns phone, email,
// member_card, buyer_id ("<channel>:<id>"), openid, unionid, device_id, and
// the attributes name, store_id, region. Columns are found by name; a
// missing column reads as all-null; utf8, large_utf8, utf8_view, binary and
// dictionary-encoded strings are accepted. The evidence must be complete
// (all records to date), not a delta: links are recomputed from it on every
// run, and the prior map is only used to name the components.
//
// Prior is the previous run's IdentityMap (at least id_type, id_value and
// customer_id; first_seen and last_seen are used for carried-forward
// identifiers when present). It may be empty.
//
// Steps:
//  1. Each non-empty value is normalised (NormalizePhone with
//     cfg.DefaultRegion, NormalizeEmail, NormalizeBuyerID, NormalizeID);
//     failures are counted in Stats.Invalid and ignored.
//  2. Junk is refused: blocklist, patterns, then the cap (see Config).
//     Blocked identifiers link nothing, are left out of IdentityMap and are
//     listed in Blocked.
//  3. The remaining identifiers of each record are united (union-find with
//     path halving and union by size); customers are the connected
//     components.
//  4. Ids: each prior customer id c goes to the component holding most of
//     its identifiers (ties: the larger component, then the earliest first
//     seen, then the smallest identifier). A component that receives
//     several prior ids keeps the smallest (oldest) one; each other one is
//     recorded as a merge with the identifier of the earliest record
//     (by ts) that joined it to an older customer (a weak identifier of that
//     record is preferred, then one from the surviving side). A component
//     holding part of a prior customer without receiving its id is a split
//     part: it gets a new id (unless it received another prior id) and a
//     split change (surviving_id = the id that split, absorbed_id = the
//     part's id, identifier = the blocked identifier that used to join the
//     part to it, when one is found). Components with no prior id get new
//     ids numbered after the largest prior one, in order of earliest ts
//     (components without ts last), then smallest identifier. Re-running on
//     unchanged evidence with the result's IdentityMap as prior changes no
//     id and records no change.
//  5. The golden record of each customer is built from its records (see
//     CustomersSchema).
func Stitch(evidence, prior []arrow.RecordBatch, cfg Config, runID string) (*Result, error) {
	s := &stitcher{cfg: cfg, runID: runID, region: normRegion(cfg.DefaultRegion), mem: cfg.Alloc}
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	s.maxStrong = cfg.MaxStrongIDs
	if s.maxStrong == 0 {
		s.maxStrong = DefaultMaxStrongIDs
	}
	s.maxWeak = cfg.MaxWeakIDs
	if s.maxWeak == 0 {
		s.maxWeak = DefaultMaxWeakIDs
	}
	pats, err := compilePatterns(cfg.BlockPatterns)
	if err != nil {
		return nil, err
	}
	if err := s.readEvidence(evidence); err != nil {
		return nil, err
	}
	if err := s.readPrior(prior); err != nil {
		return nil, err
	}
	s.applyBlocklist(pats)
	s.applyCap()
	s.link()
	s.assignIDs()
	return s.build()
}

// intern returns the dense id of key, adding it when new.
func (s *stitcher) intern(key []byte) (int32, bool) {
	if id, ok := s.index[string(key)]; ok {
		return id, false
	}
	id := int32(len(s.keys))
	k := s.arena.str(key)
	s.index[k] = id
	s.keys = append(s.keys, k)
	s.firstTs = append(s.firstTs, noTS)
	s.lastTs = append(s.lastTs, noTS)
	s.records = append(s.records, 0)
	return id, true
}

func (s *stitcher) readEvidence(evidence []arrow.RecordBatch) error {
	total := 0
	for _, rec := range evidence {
		total += int(rec.NumRows())
	}
	if total >= math.MaxInt32 {
		return fmt.Errorf("identity: %d evidence records exceed the limit of %d", total, math.MaxInt32-1)
	}
	est := total/3 + 16
	s.index = make(map[string]int32, est)
	s.keys = make([]string, 0, est)
	s.firstTs = make([]int64, 0, est)
	s.lastTs = make([]int64, 0, est)
	s.records = make([]int32, 0, est)
	s.rowOff = make([]int32, 1, total+1)
	s.rowIDs = make([]int32, 0, total*2+16)
	s.batchStart = make([]int, 0, len(evidence)+1)
	s.buf = make([]byte, 0, 256)
	var invalid, values [numTypes]int64
	row := 0
	for bi, rec := range evidence {
		e, err := bindEvidence(rec)
		if err != nil {
			return fmt.Errorf("identity: evidence batch %d: %w", bi, err)
		}
		s.batches = append(s.batches, e)
		s.batchStart = append(s.batchStart, row)
		n := int(rec.NumRows())
		for i := 0; i < n; i++ {
			ts := e.ts.get(i)
			for t := idType(0); t < numTypes; t++ {
				raw, ok := e.ids[t].get(i)
				if !ok || raw == "" {
					continue
				}
				key, valid := appendNormalized(append(s.buf[:0], byte(t)), t, raw, s.region, &s.pc)
				s.buf = key[:0]
				if !valid {
					if !isBlank(raw) {
						values[t]++
						invalid[t]++
					}
					continue
				}
				values[t]++
				id, _ := s.intern(key)
				s.rowIDs = append(s.rowIDs, id)
				s.records[id]++
				if ts != noTS {
					if f := s.firstTs[id]; f == noTS || ts < f {
						s.firstTs[id] = ts
					}
					if ts > s.lastTs[id] {
						s.lastTs[id] = ts
					}
				}
			}
			s.rowOff = append(s.rowOff, int32(len(s.rowIDs)))
		}
		row += n
	}
	s.batchStart = append(s.batchStart, row)
	s.stats.Records = int64(row)
	s.stats.Values = map[string]int64{}
	s.stats.Invalid = map[string]int64{}
	for t := idType(0); t < numTypes; t++ {
		s.stats.Values[t.String()] = values[t]
		s.stats.Invalid[t.String()] = invalid[t]
	}
	return nil
}

// readPrior maps prior identifiers to dense prior customer indexes and
// interns prior identifiers missing from the evidence as ghosts.
func (s *stitcher) readPrior(prior []arrow.RecordBatch) error {
	s.prior = make([]int32, len(s.keys), len(s.keys)+16)
	for i := range s.prior {
		s.prior[i] = -1
	}
	dense := map[int64]int32{}
	lastNum, lastIdx := int64(-1), int32(-1)
	for bi, rec := range prior {
		if rec.NumRows() == 0 {
			continue
		}
		tc, err := bindStr(rec, "id_type")
		if err != nil {
			return fmt.Errorf("identity: prior batch %d: %w", bi, err)
		}
		vc, err := bindStr(rec, "id_value")
		if err != nil {
			return fmt.Errorf("identity: prior batch %d: %w", bi, err)
		}
		cc, err := bindStr(rec, "customer_id")
		if err != nil {
			return fmt.Errorf("identity: prior batch %d: %w", bi, err)
		}
		if tc == nil || vc == nil || cc == nil {
			return fmt.Errorf("identity: prior batch %d: needs id_type, id_value and customer_id", bi)
		}
		var fc, lc *tsCol
		if a := column(rec, "first_seen"); a != nil {
			fc, _ = newTSCol(a)
		}
		if a := column(rec, "last_seen"); a != nil {
			lc, _ = newTSCol(a)
		}
		lastTypeName, lastType := "", idType(0)
		for i := 0; i < int(rec.NumRows()); i++ {
			tn, ok1 := tc.get(i)
			v, ok2 := vc.get(i)
			cs, ok3 := cc.get(i)
			if !ok1 || !ok2 || !ok3 {
				continue
			}
			num, ok := ParseCustomerID(cs)
			if !ok {
				return fmt.Errorf("identity: prior batch %d row %d: bad customer_id %q", bi, i, cs)
			}
			t := lastType
			if tn != lastTypeName {
				if t, ok = typeByName(tn); !ok {
					continue
				}
				lastTypeName, lastType = strings.Clone(tn), t
			}
			key, valid := appendNormalized(append(s.buf[:0], byte(t)), t, v, s.region, &s.pc)
			s.buf = key[:0]
			if !valid {
				continue
			}
			id, isNew := s.intern(key)
			if isNew {
				s.prior = append(s.prior, -1)
				if s.ghosts == nil {
					s.ghosts = map[int32]ghostInfo{}
				}
				s.ghosts[id] = ghostInfo{first: fc.get(i), last: lc.get(i)}
			}
			if num > s.maxPrior {
				s.maxPrior = num
			}
			var p int32
			if num == lastNum {
				p = lastIdx
			} else {
				var ok bool
				if p, ok = dense[num]; !ok {
					p = int32(len(s.priorNums))
					dense[num] = p
					s.priorNums = append(s.priorNums, num)
				}
				lastNum, lastIdx = num, p
			}
			if q := s.prior[id]; q < 0 || num < s.priorNums[q] {
				s.prior[id] = p
			}
		}
	}
	s.stats.PriorCustomers = int64(len(s.priorNums))
	return nil
}

type pattern struct {
	re  *regexp.Regexp
	typ int // -1 = all types
}

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
			if id, ok := s.index[string(key)]; ok {
				s.reason[id] = reasonBlocklist
			}
		}
	}
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
				k := s.keys[id]
				t := int(k[0])
				for _, p := range pats {
					if (p.typ < 0 || p.typ == t) && p.re.MatchString(k[1:]) {
						s.reason[id] = reasonPattern
						break
					}
				}
			}
		}()
	}
	wg.Wait()
}

func (s *stitcher) typ(id int32) idType { return idType(s.keys[id][0]) }

// usable reports whether an identifier links: it is in the evidence and not
// blocked.
func (s *stitcher) usable(id int32) bool { return s.reason[id] == reasonNone && s.records[id] > 0 }

func (s *stitcher) rowsOf(r int) []int32 { return s.rowIDs[s.rowOff[r]:s.rowOff[r+1]] }

const partnerSlots = 8
const partnerSpilled = 255

// partners tracks the distinct identifiers each weak identifier co-occurs
// with: up to partnerSlots inline, then a set.
type partners struct {
	slot  []int32 // per identifier: block index, -1
	cells []int32
	cnt   []uint8
	over  map[int32]map[int32]struct{}
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
// when a count exceeds its cap.
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
		for _, id := range ids {
			switch s.typ(id) {
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
	// strong kinds
	kinds := map[string]int32{}
	kindOf := func(id int32) int32 {
		k := s.keys[id]
		name := k[:1]
		if idType(k[0]) == tBuyer {
			if i := strings.IndexByte(k, ':'); i > 0 {
				name = k[:i]
			}
		}
		kd, ok := kinds[name]
		if !ok {
			kd = int32(len(kinds))
			kinds[name] = kd
		}
		return kd
	}
	p := partners{slot: make([]int32, n)}
	for i := range p.slot {
		p.slot[i] = -1
	}
	var strong, weak []int32
	for r := 0; r < nrows; r++ {
		ids := s.rowsOf(r)
		if len(ids) < 2 {
			continue
		}
		strong, weak = strong[:0], weak[:0]
		for _, id := range ids {
			t := s.typ(id)
			if t.weak() {
				weak = append(weak, id)
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
		for _, w := range weak {
			for _, x := range strong {
				p.add(w, x)
			}
			if s.maxWeak >= 0 {
				tw := s.typ(w)
				for _, x := range weak {
					if tx := s.typ(x); tx != tw && tx != tDevice && s.reason[x] == reasonNone {
						p.add(w, x)
					}
				}
			}
		}
	}
	s.strongCnt = make([]int32, n)
	s.weakCnt = make([]int32, n)
	var kindCnt []int32
	var touched []int32
	for id := int32(0); id < int32(n); id++ {
		if p.slot[id] < 0 {
			continue
		}
		var total, phones, emails int32
		touched = touched[:0]
		p.each(id, func(x int32) {
			switch t := s.typ(x); t {
			case tPhone:
				phones++
			case tEmail:
				emails++
			default:
				total++
				kd := kindOf(x)
				for int(kd) >= len(kindCnt) {
					kindCnt = append(kindCnt, 0)
				}
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
		if s.reason[id] != reasonNone {
			continue
		}
		metric := maxKind
		if s.cfg.CapAcrossKinds {
			metric = total
		}
		if (s.maxStrong >= 0 && int(metric) > s.maxStrong) || (s.maxWeak >= 0 && int(max(phones, emails)) > s.maxWeak) {
			s.reason[id] = reasonCap
		}
	}
}

func (s *stitcher) find(x int32) int32 {
	par := s.parent
	for par[x] != x {
		par[x] = par[par[x]]
		x = par[x]
	}
	return x
}

// link unites the usable identifiers of each record and numbers the
// components.
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
			if !s.usable(id) {
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
		if !s.usable(id) {
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
			s.compMinID = append(s.compMinID, id)
		}
		s.compOf[id] = c
		s.compSize[c]++
		if f := s.firstTs[id]; f != noTS && (s.compMinTs[c] == noTS || f < s.compMinTs[c]) {
			s.compMinTs[c] = f
		}
		if s.keys[id] < s.keys[s.compMinID[c]] {
			s.compMinID[c] = id
		}
	}
}

// compBefore orders components for tie-breaks and new-id numbering:
// earliest first seen (none last), then smallest identifier.
func (s *stitcher) compBefore(a, b int32) bool {
	ta, tb := s.compMinTs[a], s.compMinTs[b]
	if ta != tb {
		if ta == noTS {
			return false
		}
		if tb == noTS {
			return true
		}
		return ta < tb
	}
	return s.keys[s.compMinID[a]] < s.keys[s.compMinID[b]]
}

// firstUsable returns the first usable identifier of row r, or -1.
func (s *stitcher) firstUsable(r int) int32 {
	for _, id := range s.rowsOf(r) {
		if s.usable(id) {
			return id
		}
	}
	return -1
}

func (s *stitcher) rowTS(r int) int64 {
	b := s.batchOf(r)
	return s.batches[b].ts.get(r - s.batchStart[b])
}

func (s *stitcher) batchOf(r int) int {
	lo, hi := 0, len(s.batches)-1
	for lo < hi {
		m := (lo + hi + 1) / 2
		if s.batchStart[m] <= r {
			lo = m
		} else {
			hi = m - 1
		}
	}
	return lo
}
