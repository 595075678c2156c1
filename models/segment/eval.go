package segment

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Eval returns the rows of rec selected by the expression. rec must have
// every column the expression reads (see Columns), of the same kind (text,
// integer, float, boolean) as in the schema it was compiled against;
// columns are found by name, so their order does not matter.
func (e *Expr) Eval(rec arrow.RecordBatch) (Bitmap, error) {
	if rec == nil {
		return Bitmap{}, errors.New("segment: eval on a nil record batch")
	}
	c := &evalCtx{rec: rec, n: int(rec.NumRows())}
	return e.root.eval(c)
}

type evalCtx struct {
	rec arrow.RecordBatch
	n   int
}

func (c *evalCtx) column(b boundCol) (arrow.Array, error) {
	idx := c.rec.Schema().FieldIndices(b.field)
	if len(idx) == 0 {
		return nil, fmt.Errorf("segment: column %q is not in the record batch", b.field)
	}
	arr := c.rec.Column(idx[0])
	if k := kindOf(arr.DataType()); k != b.kind {
		return nil, fmt.Errorf("segment: column %q is %s (%s) in the record batch but was %s when compiled", b.field, k, arr.DataType(), b.kind)
	}
	return arr, nil
}

// enode is a compiled expression node; eval returns a freshly allocated
// bitmap the caller may modify.
type enode interface {
	eval(c *evalCtx) (Bitmap, error)
}

type (
	eAnd   struct{ xs []enode }
	eOr    struct{ xs []enode }
	eNot   struct{ x enode }
	eConst struct{ v bool }
	eCmp   struct {
		col boundCol
		op  cmpOp
		s   string
		i   int64
		f   float64
		b   bool
	}
	eIn struct {
		col    boundCol
		neg    bool
		strs   []string
		strSet map[string]struct{}
		ints   []int64
		intSet map[int64]struct{}
		floats []float64
		bools  [2]bool // [false allowed, true allowed]
	}
	eNull struct {
		col boundCol
		neg bool
	}
	eBoolCol struct{ col boundCol }
)

func (n eAnd) eval(c *evalCtx) (Bitmap, error) {
	out, err := n.xs[0].eval(c)
	if err != nil {
		return Bitmap{}, err
	}
	for _, x := range n.xs[1:] {
		if isEmpty(out) { // nothing left to intersect with
			return out, nil
		}
		y, err := x.eval(c)
		if err != nil {
			return Bitmap{}, err
		}
		out.andInPlace(y)
	}
	return out, nil
}

func (n eOr) eval(c *evalCtx) (Bitmap, error) {
	out, err := n.xs[0].eval(c)
	if err != nil {
		return Bitmap{}, err
	}
	for _, x := range n.xs[1:] {
		y, err := x.eval(c)
		if err != nil {
			return Bitmap{}, err
		}
		out.orInPlace(y)
	}
	return out, nil
}

func (n eNot) eval(c *evalCtx) (Bitmap, error) {
	out, err := n.x.eval(c)
	if err != nil {
		return Bitmap{}, err
	}
	out.notInPlace()
	return out, nil
}

func (n eConst) eval(c *evalCtx) (Bitmap, error) {
	if n.v {
		return FullBitmap(c.n), nil
	}
	return NewBitmap(c.n), nil
}

func isEmpty(b Bitmap) bool {
	for _, w := range b.words {
		if w != 0 {
			return false
		}
	}
	return true
}

// andValid clears the bits of null rows of arr.
func andValid(arr arrow.Array, out Bitmap) {
	nulls := arr.NullN()
	if nulls == 0 {
		return
	}
	if nulls == arr.Len() {
		clear(out.words)
		return
	}
	v := make([]uint64, len(out.words))
	arrowBits(arr.NullBitmapBytes(), arr.Data().Offset(), out.n, v)
	out.andInPlace(Bitmap{words: v, n: out.n})
}

// boolValues returns the value bits of a boolean array (nulls not masked).
func boolValues(arr arrow.Array, n int) Bitmap {
	out := NewBitmap(n)
	bufs := arr.Data().Buffers()
	if len(bufs) > 1 && bufs[1] != nil {
		arrowBits(bufs[1].Bytes(), arr.Data().Offset(), n, out.words)
	}
	return out
}

func (n eNull) eval(c *evalCtx) (Bitmap, error) {
	idx := c.rec.Schema().FieldIndices(n.col.field)
	if len(idx) == 0 {
		return Bitmap{}, fmt.Errorf("segment: column %q is not in the record batch", n.col.field)
	}
	arr := c.rec.Column(idx[0])
	out := FullBitmap(c.n) // IS NOT NULL
	andValid(arr, out)
	if !n.neg {
		out.notInPlace()
	}
	return out, nil
}

func (n eBoolCol) eval(c *evalCtx) (Bitmap, error) {
	arr, err := c.column(n.col)
	if err != nil {
		return Bitmap{}, err
	}
	out := boolValues(arr, c.n)
	andValid(arr, out)
	return out, nil
}

func (n eCmp) eval(c *evalCtx) (Bitmap, error) {
	arr, err := c.column(n.col)
	if err != nil {
		return Bitmap{}, err
	}
	switch n.op {
	case opNone:
		return NewBitmap(c.n), nil
	case opAll:
		out := FullBitmap(c.n)
		andValid(arr, out)
		return out, nil
	}
	var out Bitmap
	switch n.col.kind {
	case kString:
		out = NewBitmap(c.n)
		if err := stringCmp(arr, n.op, n.s, out.words); err != nil {
			return Bitmap{}, err
		}
	case kInt:
		out = NewBitmap(c.n)
		if err := intCmp(arr, n.op, n.i, out.words); err != nil {
			return Bitmap{}, err
		}
	case kFloat:
		out = NewBitmap(c.n)
		if err := floatCmp(arr, n.op, n.f, out.words); err != nil {
			return Bitmap{}, err
		}
	case kBool:
		out = boolValues(arr, c.n)
		if (n.op == opEq) != n.b { // = FALSE or != TRUE
			out.notInPlace()
		}
	}
	andValid(arr, out)
	return out, nil
}

func (n eIn) eval(c *evalCtx) (Bitmap, error) {
	arr, err := c.column(n.col)
	if err != nil {
		return Bitmap{}, err
	}
	out := NewBitmap(c.n)
	switch n.col.kind {
	case kString:
		if err := stringIn(arr, n.strs, n.strSet, out.words); err != nil {
			return Bitmap{}, err
		}
	case kInt:
		if err := intIn(arr, n.ints, n.intSet, out.words); err != nil {
			return Bitmap{}, err
		}
	case kFloat:
		if err := floatIn(arr, n.floats, out.words); err != nil {
			return Bitmap{}, err
		}
	case kBool:
		v := boolValues(arr, c.n)
		if n.bools[1] {
			out.orInPlace(v)
		}
		if n.bools[0] {
			v.notInPlace()
			out.orInPlace(v)
		}
	}
	if n.neg {
		out.notInPlace()
	}
	andValid(arr, out)
	return out, nil
}

// ---- kernels: one pass over a column's values, 64 rows per output word ----

type intValue interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32
}

type floatValue interface{ ~float32 | ~float64 }

// cmpNum sets bit i of words when N(vals[i]) op lit.
func cmpNum[T intValue | floatValue, N int64 | float64](vals []T, op cmpOp, lit N, words []uint64) {
	n := len(vals)
	for w := range words {
		lo := w << 6
		chunk := vals[lo:min(lo+64, n)]
		var m uint64
		switch op {
		case opEq:
			for j, v := range chunk {
				if N(v) == lit {
					m |= 1 << uint(j)
				}
			}
		case opNe:
			for j, v := range chunk {
				if N(v) != lit {
					m |= 1 << uint(j)
				}
			}
		case opLt:
			for j, v := range chunk {
				if N(v) < lit {
					m |= 1 << uint(j)
				}
			}
		case opLe:
			for j, v := range chunk {
				if N(v) <= lit {
					m |= 1 << uint(j)
				}
			}
		case opGt:
			for j, v := range chunk {
				if N(v) > lit {
					m |= 1 << uint(j)
				}
			}
		case opGe:
			for j, v := range chunk {
				if N(v) >= lit {
					m |= 1 << uint(j)
				}
			}
		}
		words[w] = m
	}
}

func intCmp(arr arrow.Array, op cmpOp, lit int64, words []uint64) error {
	switch a := arr.(type) {
	case *array.Int64:
		cmpNum(a.Int64Values(), op, lit, words)
	case *array.Int32:
		cmpNum(a.Int32Values(), op, lit, words)
	case *array.Int16:
		cmpNum(a.Int16Values(), op, lit, words)
	case *array.Int8:
		cmpNum(a.Int8Values(), op, lit, words)
	case *array.Uint32:
		cmpNum(a.Uint32Values(), op, lit, words)
	case *array.Uint16:
		cmpNum(a.Uint16Values(), op, lit, words)
	case *array.Uint8:
		cmpNum(a.Uint8Values(), op, lit, words)
	default:
		return fmt.Errorf("segment: unexpected integer array %T", arr)
	}
	return nil
}

func floatCmp(arr arrow.Array, op cmpOp, lit float64, words []uint64) error {
	switch a := arr.(type) {
	case *array.Float64:
		cmpNum(a.Float64Values(), op, lit, words)
	case *array.Float32:
		cmpNum(a.Float32Values(), op, lit, words)
	default:
		return fmt.Errorf("segment: unexpected float array %T", arr)
	}
	return nil
}

// inNum sets bit i of words when vals[i] is one of list (or in set, when
// set is not nil).
func inNum[T intValue | floatValue, N int64 | float64](vals []T, list []N, set map[N]struct{}, words []uint64) {
	n := len(vals)
	for w := range words {
		lo := w << 6
		var m uint64
		for j, v := range vals[lo:min(lo+64, n)] {
			x := N(v)
			if set != nil {
				if _, ok := set[x]; ok {
					m |= 1 << uint(j)
				}
				continue
			}
			for _, l := range list {
				if x == l {
					m |= 1 << uint(j)
					break
				}
			}
		}
		words[w] = m
	}
}

func intIn(arr arrow.Array, list []int64, set map[int64]struct{}, words []uint64) error {
	switch a := arr.(type) {
	case *array.Int64:
		inNum(a.Int64Values(), list, set, words)
	case *array.Int32:
		inNum(a.Int32Values(), list, set, words)
	case *array.Int16:
		inNum(a.Int16Values(), list, set, words)
	case *array.Int8:
		inNum(a.Int8Values(), list, set, words)
	case *array.Uint32:
		inNum(a.Uint32Values(), list, set, words)
	case *array.Uint16:
		inNum(a.Uint16Values(), list, set, words)
	case *array.Uint8:
		inNum(a.Uint8Values(), list, set, words)
	default:
		return fmt.Errorf("segment: unexpected integer array %T", arr)
	}
	return nil
}

func floatIn(arr arrow.Array, list []float64, words []uint64) error {
	switch a := arr.(type) {
	case *array.Float64:
		inNum(a.Float64Values(), list, nil, words)
	case *array.Float32:
		inNum(a.Float32Values(), list, nil, words)
	default:
		return fmt.Errorf("segment: unexpected float array %T", arr)
	}
	return nil
}

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
