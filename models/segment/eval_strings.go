package segment

// Comparison and IN-list kernels over string Arrow columns, reading the
// offsets and data buffers directly: equality against short literals
// compares packed 8-byte keys (strKey) before the bytes.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// stringData returns the whole data buffer of a string array; the array's
// ValueOffsets index into it directly.
func stringData(arr arrow.Array) ([]byte, error) {
	bufs := arr.Data().Buffers()
	if len(bufs) < 3 {
		return nil, fmt.Errorf("segment: malformed string array %T", arr)
	}
	if bufs[2] == nil {
		return nil, nil
	}
	return bufs[2].Bytes(), nil
}

func stringCmp(arr arrow.Array, op cmpOp, lit string, words []uint64) error {
	switch a := arr.(type) {
	case *array.String:
		data, err := stringData(arr)
		if err != nil {
			return err
		}
		cmpOffsets(a.ValueOffsets(), data, op, lit, words)
	case *array.LargeString:
		data, err := stringData(arr)
		if err != nil {
			return err
		}
		cmpOffsets(a.ValueOffsets(), data, op, lit, words)
	case *array.StringView:
		n := a.Len()
		for w := range words {
			lo := w << 6
			var m uint64
			for i := lo; i < min(lo+64, n); i++ {
				if opHolds(op, strings.Compare(a.Value(i), lit)) {
					m |= 1 << uint(i-lo)
				}
			}
			words[w] = m
		}
	default:
		return fmt.Errorf("segment: unexpected string array %T", arr)
	}
	return nil
}

func opHolds(op cmpOp, c int) bool {
	switch op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	}
	return false
}

func cmpOffsets[O int32 | int64](offs []O, data []byte, op cmpOp, lit string, words []uint64) {
	if op == opEq || op == opNe {
		eqOffsets(offs, data, []string{lit}, words)
		if op == opNe {
			Bitmap{words: words, n: len(offs) - 1}.notInPlace()
		}
		return
	}
	n := len(offs) - 1
	litB := []byte(lit)
	for w := range words {
		lo := w << 6
		var m uint64
		for i := lo; i < min(lo+64, n); i++ {
			if opHolds(op, bytes.Compare(data[offs[i]:offs[i+1]], litB)) {
				m |= 1 << uint(i-lo)
			}
		}
		words[w] = m
	}
}

// strKey is a string literal prepared for the equality kernel: its length
// and its first (up to) 8 bytes as a little-endian word with a byte mask.
type strKey struct {
	n    int
	head uint64
	mask uint64
	tail string // bytes after the first 8
	s    string
}

func prepKeys(list []string) []strKey {
	keys := make([]strKey, len(list))
	for k, l := range list {
		var buf [8]byte
		copy(buf[:], l)
		key := strKey{n: len(l), head: binary.LittleEndian.Uint64(buf[:]), s: l}
		if len(l) >= 8 {
			key.mask = ^uint64(0)
			key.tail = l[8:]
		} else {
			key.mask = 1<<(8*uint(len(l))) - 1
			key.head &= key.mask
		}
		keys[k] = key
	}
	return keys
}

// lenMask[n] keeps the first n bytes of a little-endian word.
var lenMask = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, ^uint64(0)}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// eqOffsets sets bit i when value i equals one of list. Rows whose value
// starts at least 8 bytes before the end of the data buffer are checked
// with one 8-byte load and a length compare (no branch, no call) and only
// values longer than 8 bytes that match the first 8 are compared in full.
func eqOffsets[O int32 | int64](offs []O, data []byte, list []string, words []uint64) {
	n := len(offs) - 1
	keys := prepKeys(list)
	var short struct {
		heads []uint64
		lens  []int
	}
	var long []strKey
	for _, k := range keys {
		if k.n <= 8 {
			short.heads = append(short.heads, k.head)
			short.lens = append(short.lens, k.n)
		} else {
			long = append(long, k)
		}
	}
	// rows [0, fast) start at or before len(data)-8
	fast := sort.Search(n, func(i int) bool { return int(offs[i]) > len(data)-8 })
	for w := range words {
		lo := w << 6
		hi := min(lo+64, n)
		var m uint64
		i := lo
		switch {
		case len(keys) == 1 && keys[0].n <= 8:
			k := keys[0]
			for ; i < min(hi, fast); i++ {
				s := int(offs[i])
				ln := int(offs[i+1]) - s
				word := binary.LittleEndian.Uint64(data[s : s+8])
				m |= (b2u(ln == k.n) & b2u(word&k.mask == k.head)) << uint(i-lo)
			}
		case len(keys) == 1:
			k := keys[0]
			for ; i < min(hi, fast); i++ {
				s := int(offs[i])
				ln := int(offs[i+1]) - s
				word := binary.LittleEndian.Uint64(data[s : s+8])
				hit := b2u(ln == k.n) & b2u(word == k.head)
				if hit != 0 && string(data[s+8:s+ln]) != k.tail {
					hit = 0
				}
				m |= hit << uint(i-lo)
			}
		default:
			for ; i < min(hi, fast); i++ {
				s := int(offs[i])
				ln := int(offs[i+1]) - s
				word := binary.LittleEndian.Uint64(data[s : s+8])
				mw := word & lenMask[min(ln, 8)]
				var hit uint64
				for k, h := range short.heads {
					hit |= b2u(h == mw) & b2u(short.lens[k] == ln)
				}
				for k := range long {
					lk := &long[k]
					if ln == lk.n && word == lk.head && string(data[s+8:s+ln]) == lk.tail {
						hit = 1
					}
				}
				m |= hit << uint(i-lo)
			}
		}
		for ; i < hi; i++ { // the last values of the buffer
			v := data[offs[i]:offs[i+1]]
			for _, k := range keys {
				if len(v) == k.n && string(v) == k.s {
					m |= 1 << uint(i-lo)
					break
				}
			}
		}
		words[w] = m
	}
}

func stringIn(arr arrow.Array, list []string, set map[string]struct{}, words []uint64) error {
	switch a := arr.(type) {
	case *array.String:
		data, err := stringData(arr)
		if err != nil {
			return err
		}
		if set == nil {
			eqOffsets(a.ValueOffsets(), data, list, words)
		} else {
			inOffsets(a.ValueOffsets(), data, set, words)
		}
	case *array.LargeString:
		data, err := stringData(arr)
		if err != nil {
			return err
		}
		if set == nil {
			eqOffsets(a.ValueOffsets(), data, list, words)
		} else {
			inOffsets(a.ValueOffsets(), data, set, words)
		}
	case *array.StringView:
		n := a.Len()
		for w := range words {
			lo := w << 6
			var m uint64
			for i := lo; i < min(lo+64, n); i++ {
				if inListString(a.Value(i), list, set) {
					m |= 1 << uint(i-lo)
				}
			}
			words[w] = m
		}
	default:
		return fmt.Errorf("segment: unexpected string array %T", arr)
	}
	return nil
}

func inListString(s string, list []string, set map[string]struct{}) bool {
	if set != nil {
		_, ok := set[s]
		return ok
	}
	for _, l := range list {
		if s == l {
			return true
		}
	}
	return false
}

func inOffsets[O int32 | int64](offs []O, data []byte, set map[string]struct{}, words []uint64) {
	n := len(offs) - 1
	for w := range words {
		lo := w << 6
		var m uint64
		for i := lo; i < min(lo+64, n); i++ {
			if _, ok := set[string(data[offs[i]:offs[i+1]])]; ok {
				m |= 1 << uint(i-lo)
			}
		}
		words[w] = m
	}
}
