package lifecycle

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Customer ids are interned in partitions: the collector hashes each id to
// one of a power-of-two number of parts and appends the event (packed key)
// and the id bytes to that part, reading the inputs sequentially. Each part
// is then interned, grouped and evaluated on its own by one worker with a
// small, cache-resident map, so the 10M random lookups of one large map are
// avoided and the parts run in parallel. Every customer lives in exactly
// one part; its dense index is local to the part.

// part is one hash partition of the events.
type part struct {
	// collected rows
	keys  []uint64 // packed events
	ids   []byte   // per row: uvarint length + id bytes
	fRow  []int32  // follow intervals: row of the follow event
	fFrom []int64
	fTo   []int64

	// built by intern
	names  []string
	off    []int32  // events of customer i: events[off[i]:off[i+1]]
	events []uint64 // grouped by customer, then sorted by time
	fHead  []int32  // first follow interval of each customer (-1: none)
	fNext  []int32

	// evaluated
	prev, cur []Stage
	ch        []uint16
}

// collector reads the inputs into parts, interns channels and counts
// anonymous receipts.
type collector struct {
	end, anonFrom int64

	parts     []part
	partShift uint

	chIdx   map[string]uint16
	chNames []string
	anon    []int64 // anonymous receipts in the purchase window, per channel

	lastID   string
	lastPart *part
	hasLast  bool

	ignored int64
}

func newCollector(end, anonFrom int64, rows int) *collector {
	// about 32k rows per part, between 1 and 1024 parts
	nb := 0
	if rows > 1<<15 {
		nb = bits.Len(uint(rows>>15) - 1)
		if nb > 10 {
			nb = 10
		}
	}
	c := &collector{end: end, anonFrom: anonFrom, chIdx: map[string]uint16{}, parts: make([]part, 1<<nb), partShift: uint(64 - nb)}
	if nb == 0 {
		c.partShift = 63 // h >> 63 is 0 or 1: mask below
	}
	per := rows>>nb + rows>>(nb+3) + 16
	for i := range c.parts {
		c.parts[i].keys = make([]uint64, 0, per)
		c.parts[i].ids = make([]byte, 0, per*12)
	}
	c.channel("") // code 0 is ChannelUnknown
	return c
}

func rowsOf(recs []arrow.RecordBatch) int {
	n := 0
	for _, r := range recs {
		n += int(r.NumRows())
	}
	return n
}

// channel interns a channel name ("" is ChannelUnknown).
func (c *collector) channel(s string) (uint16, error) {
	if s == "" {
		s = ChannelUnknown
	}
	if i, ok := c.chIdx[s]; ok {
		return i, nil
	}
	if len(c.chNames) > maxChan {
		return 0, fmt.Errorf("more than %d distinct channels: %w", maxChan+1, ErrBadColumn)
	}
	s = strings.Clone(s)
	i := uint16(len(c.chNames))
	c.chIdx[s] = i
	c.chNames = append(c.chNames, s)
	c.anon = append(c.anon, 0)
	return i, nil
}

// chanReader reads a channel column with a one-entry cache.
type chanReader struct {
	c     *collector
	col   stringColumn
	last  string
	code  uint16
	valid bool
}

func (r *chanReader) at(i int) (uint16, error) {
	if r.col == nil || r.col.IsNull(i) {
		return 0, nil
	}
	s := r.col.Value(i)
	if r.valid && s == r.last {
		return r.code, nil
	}
	if names := r.c.chNames; len(names) <= 16 && s != "" {
		for code, name := range names {
			if name == s {
				r.last, r.code, r.valid = s, uint16(code), true
				return uint16(code), nil
			}
		}
	}
	code, err := r.c.channel(s)
	if err != nil {
		return 0, err
	}
	r.last, r.code, r.valid = s, code, true
	return code, nil
}

// hashID is a fast 64-bit string hash (fixed, so partitions and the order
// of Result.Customers are reproducible).
func hashID(s string) uint64 {
	const m = 0x9E3779B97F4A7C15
	h := uint64(len(s)) * m
	i := 0
	for ; i+8 <= len(s); i += 8 {
		v := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		h = (h ^ v) * m
		h ^= h >> 29
	}
	var v uint64
	for j := 0; i < len(s); i, j = i+1, j+8 {
		v |= uint64(s[i]) << j
	}
	h = (h ^ v) * m
	// murmur3 finaliser
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// customer returns the customer id at row i and its part (nil for NULL or
// empty ids).
func (c *collector) customer(col stringColumn, i int) (string, *part) {
	if col.IsNull(i) {
		return "", nil
	}
	id := col.Value(i)
	if id == "" {
		return "", nil
	}
	if c.hasLast && id == c.lastID {
		return id, c.lastPart
	}
	p := &c.parts[(hashID(id)>>c.partShift)&uint64(len(c.parts)-1)]
	c.lastID, c.lastPart, c.hasLast = id, p, true
	return id, p
}

func (p *part) add(id string, key uint64) {
	p.keys = append(p.keys, key)
	p.ids = binary.AppendUvarint(p.ids, uint64(len(id)))
	p.ids = append(p.ids, id...)
}

func (c *collector) orders(rec arrow.RecordBatch) error {
	cid, err := strColumn(rec, "customer_id", false)
	if err != nil {
		return err
	}
	tc, err := tsColumn(rec, "order_ts")
	if err != nil {
		return err
	}
	chc, err := strColumn(rec, "channel", true)
	if err != nil {
		return err
	}
	chr := chanReader{c: c, col: chc}
	for i := range int(rec.NumRows()) {
		sec, ok := tc.sec(i)
		if !ok {
			c.ignored++
			continue
		}
		if sec >= c.end {
			continue
		}
		ch, err := chr.at(i)
		if err != nil {
			return err
		}
		id, p := c.customer(cid, i)
		if p == nil {
			if sec >= c.anonFrom {
				c.anon[ch]++
			}
			continue
		}
		p.add(id, packKey(sec, kPurchase, ch))
	}
	return nil
}

func actionKind(a string) uint8 {
	switch a {
	case "view":
		return kView
	case "like", "comment", "click":
		return kInteract
	case "share":
		return kShare
	}
	if l := strings.ToLower(strings.TrimSpace(a)); l != a {
		return actionKind(l)
	}
	return 0
}

func (c *collector) interactions(rec arrow.RecordBatch) error {
	cid, err := strColumn(rec, "customer_id", false)
	if err != nil {
		return err
	}
	tc, err := tsColumn(rec, "ts")
	if err != nil {
		return err
	}
	ac, err := strColumn(rec, "action", false)
	if err != nil {
		return err
	}
	chc, err := strColumn(rec, "channel", true)
	if err != nil {
		return err
	}
	chr := chanReader{c: c, col: chc}
	var lastAction string
	var lastKind uint8
	for i := range int(rec.NumRows()) {
		sec, ok := tc.sec(i)
		if !ok || ac.IsNull(i) {
			c.ignored++
			continue
		}
		if sec >= c.end {
			continue
		}
		if a := ac.Value(i); a != lastAction || lastKind == 0 {
			lastAction, lastKind = a, actionKind(a)
		}
		if lastKind == 0 {
			c.ignored++
			continue
		}
		id, p := c.customer(cid, i)
		if p == nil {
			continue
		}
		ch, err := chr.at(i)
		if err != nil {
			return err
		}
		p.add(id, packKey(sec, lastKind, ch))
	}
	return nil
}

func (c *collector) follows(rec arrow.RecordBatch) error {
	cid, err := strColumn(rec, "customer_id", false)
	if err != nil {
		return err
	}
	fc, err := tsColumn(rec, "followed_ts")
	if err != nil {
		return err
	}
	uc, err := tsColumn(rec, "unfollowed_ts")
	if err != nil {
		return err
	}
	chc, err := strColumn(rec, "channel", true)
	if err != nil {
		return err
	}
	chr := chanReader{c: c, col: chc}
	for i := range int(rec.NumRows()) {
		from, ok := fc.sec(i)
		if !ok {
			c.ignored++
			continue
		}
		if from >= c.end {
			continue
		}
		to, ok := uc.sec(i)
		if !ok {
			to = math.MaxInt64
		}
		id, p := c.customer(cid, i)
		if p == nil {
			continue
		}
		ch, err := chr.at(i)
		if err != nil {
			return err
		}
		p.add(id, packKey(from, kFollow, ch))
		p.fRow = append(p.fRow, int32(len(p.keys)-1))
		p.fFrom = append(p.fFrom, from)
		p.fTo = append(p.fTo, to)
	}
	return nil
}

func (c *collector) contacts(rec arrow.RecordBatch) error {
	cid, err := strColumn(rec, "customer_id", false)
	if err != nil {
		return err
	}
	tc, err := tsColumn(rec, "contacted_ts")
	if err != nil {
		return err
	}
	chc, err := strColumn(rec, "channel", true)
	if err != nil {
		return err
	}
	chr := chanReader{c: c, col: chc}
	for i := range int(rec.NumRows()) {
		sec, ok := tc.sec(i)
		if !ok {
			c.ignored++
			continue
		}
		if sec >= c.end {
			continue
		}
		id, p := c.customer(cid, i)
		if p == nil {
			continue
		}
		ch, err := chr.at(i)
		if err != nil {
			return err
		}
		p.add(id, packKey(sec, kContact, ch))
	}
	return nil
}

// intern assigns part-local dense indices to the part's customer ids,
// groups the events by customer (counting sort) and links the follow
// intervals; it frees the collected rows.
func (p *part) intern() error {
	n := len(p.keys)
	if n > math.MaxInt32 {
		return fmt.Errorf("lifecycle: more than %d events in one partition", math.MaxInt32)
	}
	idx := make(map[string]int32, n/6+8)
	rowCust := make([]int32, n)
	pos := 0
	for r := range n {
		l, k := binary.Uvarint(p.ids[pos:])
		pos += k
		b := p.ids[pos : pos+int(l)]
		pos += int(l)
		ci, ok := idx[string(b)]
		if !ok {
			s := string(b)
			ci = int32(len(p.names))
			idx[s] = ci
			p.names = append(p.names, s)
		}
		rowCust[r] = ci
	}
	p.ids = nil
	nc := len(p.names)
	off := make([]int32, nc+1)
	for _, ci := range rowCust {
		off[ci+1]++
	}
	for i := range nc {
		off[i+1] += off[i]
	}
	fill := make([]int32, nc)
	copy(fill, off[:nc])
	ev := make([]uint64, n)
	for r, ci := range rowCust {
		ev[fill[ci]] = p.keys[r]
		fill[ci]++
	}
	p.keys = nil
	head := make([]int32, nc)
	for i := range head {
		head[i] = -1
	}
	next := make([]int32, len(p.fRow))
	for j := len(p.fRow) - 1; j >= 0; j-- {
		ci := rowCust[p.fRow[j]]
		next[j] = head[ci]
		head[ci] = int32(j)
	}
	p.fRow = nil
	p.off, p.events, p.fHead, p.fNext = off, ev, head, next
	return nil
}
