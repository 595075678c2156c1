package segment

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
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
