package segment

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Expr is a compiled segment definition, safe for concurrent use.
type Expr struct {
	src  string
	tree ast
	root enode
	cols []string
}

// Compile parses expr and checks it against schema: every column named must
// exist (an unknown name is an *Error with its position and, when one is
// close, a suggestion) and have a type the comparison applies to. Errors
// are *Error values.
func Compile(expr string, schema *arrow.Schema) (*Expr, error) {
	if schema == nil {
		return nil, errors.New("segment: compile needs a schema")
	}
	tree, err := parse(expr)
	if err != nil {
		return nil, err
	}
	c := &compiler{schema: schema, seen: map[string]bool{}}
	root, err := c.compile(tree)
	if err != nil {
		return nil, err
	}
	sort.Strings(c.cols)
	return &Expr{src: expr, tree: tree, root: root, cols: c.cols}, nil
}

// CompileNamed is Compile for the segment called name: errors read
// "segment NAME: at column N: ...".
func CompileNamed(name, expr string, schema *arrow.Schema) (*Expr, error) {
	e, err := Compile(expr, schema)
	if err != nil {
		var se *Error
		if errors.As(err, &se) {
			se.Segment = name
			return nil, se
		}
		return nil, fmt.Errorf("segment %s: %w", name, err)
	}
	return e, nil
}

// Source returns the definition as written.
func (e *Expr) Source() string { return e.src }

// String returns the definition in canonical form (keywords upper-case,
// redundant parentheses removed); it compiles to the same expression.
func (e *Expr) String() string { return e.tree.String() }

// Columns returns the schema field names the expression reads, sorted.
func (e *Expr) Columns() []string { return append([]string(nil), e.cols...) }

// ---- column kinds ----

type colKind uint8

const (
	kUnsupported colKind = iota
	kString
	kInt
	kFloat
	kBool
)

func (k colKind) String() string {
	return [...]string{"unsupported", "text", "integer", "float", "boolean"}[k]
}

func kindOf(dt arrow.DataType) colKind {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return kString
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return kInt
	case arrow.FLOAT32, arrow.FLOAT64:
		return kFloat
	case arrow.BOOL:
		return kBool
	}
	return kUnsupported
}

// boundCol is a column reference resolved against the compile schema.
type boundCol struct {
	field string
	kind  colKind
}

// ---- compiler ----

type compiler struct {
	schema *arrow.Schema
	seen   map[string]bool
	cols   []string
}

func (c *compiler) resolve(ref colRef) (boundCol, arrow.DataType, error) {
	idx := c.schema.FieldIndices(ref.name)
	if len(idx) == 0 {
		var hits []int
		for i, f := range c.schema.Fields() {
			if strings.EqualFold(f.Name, ref.name) {
				hits = append(hits, i)
			}
		}
		if len(hits) > 1 {
			return boundCol{}, nil, &Error{Column: ref.col, Msg: fmt.Sprintf("column name '%s' is ambiguous (differs only in case)", ref.name)}
		}
		idx = hits
	}
	if len(idx) == 0 {
		msg := fmt.Sprintf("unknown column '%s'", ref.name)
		if s := c.suggest(ref.name); s != "" {
			msg += fmt.Sprintf(" (did you mean '%s'?)", s)
		}
		return boundCol{}, nil, &Error{Column: ref.col, Msg: msg}
	}
	if len(idx) > 1 {
		return boundCol{}, nil, &Error{Column: ref.col, Msg: fmt.Sprintf("column '%s' appears more than once in the schema", ref.name)}
	}
	f := c.schema.Field(idx[0])
	if !c.seen[f.Name] {
		c.seen[f.Name] = true
		c.cols = append(c.cols, f.Name)
	}
	return boundCol{field: f.Name, kind: kindOf(f.Type)}, f.Type, nil
}

// suggest returns the schema column closest to name within edit distance 2.
func (c *compiler) suggest(name string) string {
	best, bestD := "", 3
	for _, f := range c.schema.Fields() {
		if d := editDistance(strings.ToLower(name), strings.ToLower(f.Name)); d < bestD {
			best, bestD = f.Name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func (c *compiler) compile(n ast) (enode, error) {
	switch n := n.(type) {
	case andNode, orNode:
		var xs []ast
		if a, ok := n.(andNode); ok {
			xs = a.xs
		} else {
			xs = n.(orNode).xs
		}
		out := make([]enode, len(xs))
		for i, x := range xs {
			e, err := c.compile(x)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		if _, ok := n.(andNode); ok {
			return eAnd{xs: out}, nil
		}
		return eOr{xs: out}, nil
	case notNode:
		x, err := c.compile(n.x)
		if err != nil {
			return nil, err
		}
		return eNot{x: x}, nil
	case constNode:
		return eConst{v: n.v}, nil
	case nullNode:
		b, _, err := c.resolve(n.c)
		if err != nil {
			return nil, err
		}
		return eNull{col: b, neg: n.neg}, nil
	case boolColNode:
		b, dt, err := c.resolve(n.c)
		if err != nil {
			return nil, err
		}
		if b.kind != kBool {
			return nil, &Error{Column: n.c.col, Msg: fmt.Sprintf("column '%s' is %s, not boolean; write a comparison such as %s = ...", b.field, dt, n.c)}
		}
		return eBoolCol{col: b}, nil
	case cmpNode:
		return c.compileCmp(n)
	case inNode:
		return c.compileIn(n)
	}
	return nil, fmt.Errorf("segment: unknown node %T", n)
}

func (c *compiler) checkValue(ref colRef, b boundCol, dt arrow.DataType, v value) error {
	switch b.kind {
	case kUnsupported:
		return &Error{Column: ref.col, Msg: fmt.Sprintf("column '%s' has type %s, which segments cannot compare (only IS NULL applies)", b.field, dt)}
	case kString:
		if v.kind != vString {
			return &Error{Column: v.col, Msg: fmt.Sprintf("column '%s' is text; compare it with a quoted string, not %s", b.field, v.describe())}
		}
	case kInt, kFloat:
		if v.kind != vNumber {
			return &Error{Column: v.col, Msg: fmt.Sprintf("column '%s' is numeric (%s); compare it with a number, not %s", b.field, dt, v.describe())}
		}
	case kBool:
		if v.kind != vBool {
			return &Error{Column: v.col, Msg: fmt.Sprintf("column '%s' is boolean; compare it with TRUE or FALSE, not %s", b.field, v.describe())}
		}
	}
	return nil
}

func (c *compiler) compileCmp(n cmpNode) (enode, error) {
	b, dt, err := c.resolve(n.c)
	if err != nil {
		return nil, err
	}
	if err := c.checkValue(n.c, b, dt, n.v); err != nil {
		return nil, err
	}
	e := eCmp{col: b, op: n.op}
	switch b.kind {
	case kString:
		e.s = n.v.s
	case kFloat:
		e.f = n.v.f
	case kInt:
		e.op, e.i = intBound(n.op, n.v)
	case kBool:
		if n.op != opEq && n.op != opNe {
			return nil, &Error{Column: n.c.col, Msg: fmt.Sprintf("column '%s' is boolean; only = and != apply, not %s", b.field, n.op)}
		}
		e.b = n.v.b
	}
	return e, nil
}

// intBound turns "intColumn op literal" into an equivalent comparison with
// an int64, or opAll / opNone when the answer does not depend on the value.
func intBound(op cmpOp, v value) (cmpOp, int64) {
	if v.isInt {
		return op, v.i
	}
	f := v.f
	if math.IsNaN(f) {
		if op == opNe {
			return opAll, 0
		}
		return opNone, 0
	}
	const lim = 1 << 63 // float64(math.MaxInt64)+1 == 2^63
	if f == math.Trunc(f) && f >= -lim && f < lim {
		return op, int64(f)
	}
	lo, hi := math.Floor(f), math.Ceil(f)
	switch op {
	case opEq:
		return opNone, 0 // an integer never equals a non-integer
	case opNe:
		return opAll, 0
	case opLt, opLe: // v < f  <=>  v <= floor(f) (f not an integer)
		if lo >= lim {
			return opAll, 0
		}
		if lo < -lim {
			return opNone, 0
		}
		return opLe, int64(lo)
	case opGt, opGe: // v > f  <=>  v >= ceil(f)
		if hi >= lim {
			return opNone, 0
		}
		if hi < -lim {
			return opAll, 0
		}
		return opGe, int64(hi)
	}
	return op, 0
}

func (c *compiler) compileIn(n inNode) (enode, error) {
	b, dt, err := c.resolve(n.c)
	if err != nil {
		return nil, err
	}
	e := eIn{col: b, neg: n.neg}
	for _, v := range n.list {
		if err := c.checkValue(n.c, b, dt, v); err != nil {
			return nil, err
		}
		switch b.kind {
		case kString:
			e.strs = append(e.strs, v.s)
		case kInt:
			if v.isInt {
				e.ints = append(e.ints, v.i)
			} // a non-integer never equals an integer value
		case kFloat:
			e.floats = append(e.floats, v.f)
		case kBool:
			e.bools[b2i(v.b)] = true
		}
	}
	if len(e.strs) > smallStrSet {
		e.strSet = make(map[string]struct{}, len(e.strs))
		for _, s := range e.strs {
			e.strSet[s] = struct{}{}
		}
	}
	if len(e.ints) > smallIntSet {
		e.intSet = make(map[int64]struct{}, len(e.ints))
		for _, i := range e.ints {
			e.intSet[i] = struct{}{}
		}
	}
	return e, nil
}

// IN lists up to these sizes are compared value by value; longer ones are
// looked up in a map.
const (
	smallStrSet = 16
	smallIntSet = 8
)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
