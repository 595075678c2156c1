package identity

import (
	"hash/maphash"
	"unsafe"

	"github.com/crmkit/crmkit/internal/offheap"
)

// internTable maps identifier keys (type byte + normalised value) to dense
// int32 ids in order of first insertion. It is an open-addressing table
// with linear probing whose 32-byte slots hold a hash fingerprint, the id
// and, for keys up to 23 bytes (every E.164 phone with its type byte), the
// key itself, so most lookups touch one cache line. Longer keys are checked
// against keys[id]. Keys live in an append-only arena and are never copied
// again.
type internTable struct {
	slots []islot
	mask  uint64
	seed  maphash.Seed
	keys  []string
	arena arena
}

const inlineKey = 23

type islot struct {
	fp uint32 // 0 = empty
	id int32
	n  uint8 // key length when inline, 0xff otherwise
	k  [inlineKey]byte
}

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

func newInternTable(expected int, seed maphash.Seed) *internTable {
	n := 1024
	for n*3 < expected*4 { // keep the load under 3/4
		n *= 2
	}
	return &internTable{
		slots: offheap.Slice[islot](n),
		mask:  uint64(n - 1),
		seed:  seed,
		keys:  make([]string, 0, expected),
	}
}

func fingerprint(h uint64) uint32 { return uint32(h>>32) | 1 }

// lookupHashed returns the id of key (with hash h), or -1.
func (t *internTable) lookupHashed(key []byte, h uint64) int32 {
	fp := fingerprint(h)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.fp == 0 {
			return -1
		}
		if s.fp == fp && t.equal(s, key) {
			return s.id
		}
	}
}

func (t *internTable) equal(s *islot, key []byte) bool {
	if len(key) <= inlineKey {
		return int(s.n) == len(key) && string(s.k[:len(key)]) == string(key)
	}
	return s.n == 0xff && t.keys[s.id] == string(key)
}

// touch loads the home slot of hash h; a loop of touches before a loop of
// lookups lets the CPU overlap the cache misses.
func (t *internTable) touch(h uint64) uint32 { return t.slots[h&t.mask].fp }

// internHashed returns the id of key (with hash h), adding it when new.
func (t *internTable) internHashed(key []byte, h uint64) (id int32, isNew bool) {
	fp := fingerprint(h)
	i := h & t.mask
	for ; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.fp == 0 {
			break
		}
		if s.fp == fp && t.equal(s, key) {
			return s.id, false
		}
	}
	id = int32(len(t.keys))
	t.keys = append(t.keys, t.arena.str(key))
	t.place(i, fp, id, key)
	if uint64(len(t.keys))*4 > (t.mask+1)*3 {
		t.grow()
	}
	return id, true
}

func (t *internTable) place(i uint64, fp uint32, id int32, key []byte) {
	s := &t.slots[i]
	s.fp, s.id = fp, id
	if len(key) <= inlineKey {
		s.n = uint8(len(key))
		copy(s.k[:], key)
	} else {
		s.n = 0xff
	}
}

func (t *internTable) grow() {
	n := 2 * (t.mask + 1)
	offheap.FreeSlice(t.slots)
	t.slots = offheap.Slice[islot](int(n))
	t.mask = n - 1
	for id, k := range t.keys {
		key := unsafe.Slice(unsafe.StringData(k), len(k))
		h := maphash.Bytes(t.seed, key)
		i := h & t.mask
		for t.slots[i].fp != 0 {
			i = (i + 1) & t.mask
		}
		t.place(i, fingerprint(h), int32(id), key)
	}
}

// dict is the identifier dictionary: hash-partitioned intern tables (one
// per reading worker; a key's shard is given by the top bits of its hash)
// and, per shard, the map from local id to the global id. Global ids number
// identifiers in order of first appearance in the evidence, whatever the
// number of workers.
type dict struct {
	seed  maphash.Seed
	tabs  []*internTable
	remap [][]int32
}

func newDict(shards, expected int) *dict {
	d := &dict{seed: maphash.MakeSeed(), tabs: make([]*internTable, shards), remap: make([][]int32, shards)}
	for i := range d.tabs {
		d.tabs[i] = newInternTable(expected/shards+1024, d.seed)
	}
	return d
}

func (d *dict) hash(key []byte) uint64 { return maphash.Bytes(d.seed, key) }

func (d *dict) shard(h uint64) int { return int(h>>58) & (len(d.tabs) - 1) }

// lookup returns the global id of key, or -1.
func (d *dict) lookup(key []byte) int32 {
	h := d.hash(key)
	sh := d.shard(h)
	l := d.tabs[sh].lookupHashed(key, h)
	if l < 0 || int(l) >= len(d.remap[sh]) {
		return -1
	}
	return d.remap[sh][l]
}

// internHashed returns the global id of key (with hash h), calling add for
// a key without one (add returns the new global id).
func (d *dict) internHashed(key []byte, h uint64, add func(key string) int32) int32 {
	sh := d.shard(h)
	l, _ := d.tabs[sh].internHashed(key, h)
	for int(l) >= len(d.remap[sh]) {
		d.remap[sh] = append(d.remap[sh], -1)
	}
	if g := d.remap[sh][l]; g >= 0 {
		return g
	}
	g := add(d.tabs[sh].keys[l])
	d.remap[sh][l] = g
	return g
}

// release drops the hash slots (giving their memory maps back) once no
// more lookups are needed. A nil or released dict may be released again.
func (d *dict) release() {
	if d == nil {
		return
	}
	for _, t := range d.tabs {
		offheap.FreeSlice(t.slots)
		t.slots = nil
	}
	d.tabs, d.remap = nil, nil
}
