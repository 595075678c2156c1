package segment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Error is a parse or compile error at a position of a segment definition.
type Error struct {
	// Segment is the segment's name, when known (see CompileNamed).
	Segment string
	// Column is the 1-based position in the definition, counted in
	// characters (runes), of the offending token.
	Column int
	// Msg says what is wrong.
	Msg string
}

// Error renders "segment NAME: at column N: MSG" (without the segment part
// when the name is unknown).
func (e *Error) Error() string {
	s := fmt.Sprintf("at column %d: %s", e.Column, e.Msg)
	if e.Segment != "" {
		s = "segment " + e.Segment + ": " + s
	}
	return s
}

// ---- AST ----

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opAll  // every non-null row (internal, after literal normalisation)
	opNone // no row (internal)
)

var opNames = map[string]cmpOp{"=": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

func (o cmpOp) String() string {
	return [...]string{"=", "!=", "<", "<=", ">", ">=", "<all>", "<none>"}[o]
}

type valKind uint8

const (
	vString valKind = iota
	vNumber
	vBool
)

// value is a literal.
type value struct {
	kind  valKind
	s     string
	isInt bool // number written as an integer that fits int64
	i     int64
	f     float64
	b     bool
	col   int
	raw   string
}

func (v value) String() string {
	switch v.kind {
	case vString:
		return "'" + strings.ReplaceAll(v.s, "'", "''") + "'"
	case vBool:
		if v.b {
			return "TRUE"
		}
		return "FALSE"
	}
	if v.isInt {
		return strconv.FormatInt(v.i, 10)
	}
	return strconv.FormatFloat(v.f, 'g', -1, 64)
}

func (v value) describe() string {
	switch v.kind {
	case vString:
		return "string " + v.String()
	case vBool:
		return v.String()
	}
	return "number " + v.raw
}

// colRef is a column named in the expression.
type colRef struct {
	name string // as written
	col  int    // position in the source
}

func (c colRef) String() string {
	if isPlainIdent(c.name) {
		if _, kw := keywords[strings.ToUpper(c.name)]; !kw {
			return c.name
		}
	}
	return `"` + c.name + `"`
}

func isPlainIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentPart(s[i]) {
			return false
		}
	}
	return true
}

type ast interface{ String() string }

type (
	andNode   struct{ xs []ast }
	orNode    struct{ xs []ast }
	notNode   struct{ x ast }
	constNode struct{ v bool }
	cmpNode   struct {
		c  colRef
		op cmpOp
		v  value
	}
	inNode struct {
		c    colRef
		neg  bool
		list []value
	}
	nullNode struct {
		c   colRef
		neg bool // IS NOT NULL
	}
	boolColNode struct{ c colRef }
)

func joinAST(xs []ast, sep string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		s := x.String()
		if _, ok := x.(orNode); ok && sep == " AND " {
			s = "(" + s + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, sep)
}

func (n andNode) String() string { return joinAST(n.xs, " AND ") }
func (n orNode) String() string  { return joinAST(n.xs, " OR ") }
func (n notNode) String() string {
	switch n.x.(type) {
	case andNode, orNode:
		return "NOT (" + n.x.String() + ")"
	}
	return "NOT " + n.x.String()
}
func (n constNode) String() string {
	if n.v {
		return "TRUE"
	}
	return "FALSE"
}
func (n cmpNode) String() string { return n.c.String() + " " + n.op.String() + " " + n.v.String() }
func (n inNode) String() string {
	parts := make([]string, len(n.list))
	for i, v := range n.list {
		parts[i] = v.String()
	}
	kw := " IN ("
	if n.neg {
		kw = " NOT IN ("
	}
	return n.c.String() + kw + strings.Join(parts, ", ") + ")"
}
func (n nullNode) String() string {
	if n.neg {
		return n.c.String() + " IS NOT NULL"
	}
	return n.c.String() + " IS NULL"
}
func (n boolColNode) String() string { return n.c.String() }

// ---- parser ----

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func errAt(t token, format string, args ...any) *Error {
	return &Error{Column: t.col, Msg: fmt.Sprintf(format, args...)}
}

// parse parses a whole expression.
func parse(src string) (ast, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if toks[0].kind == tEOF {
		return nil, &Error{Column: 1, Msg: "empty segment definition"}
	}
	p := &parser{toks: toks}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, errAt(t, "unmatched ')'")
		}
		return nil, errAt(t, "expected AND, OR or end of input, got %s", t.describe())
	}
	return n, nil
}

func (p *parser) parseOr() (ast, error) {
	x, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	xs := []ast{x}
	for p.peek().kind == tOr {
		p.next()
		y, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	if len(xs) == 1 {
		return x, nil
	}
	return orNode{xs: flatten[orNode](xs)}, nil
}

func (p *parser) parseAnd() (ast, error) {
	x, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	xs := []ast{x}
	for p.peek().kind == tAnd {
		p.next()
		y, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	if len(xs) == 1 {
		return x, nil
	}
	return andNode{xs: flatten[andNode](xs)}, nil
}

// flatten merges nested nodes of the same kind: (a AND b) AND c.
func flatten[T andNode | orNode](xs []ast) []ast {
	out := make([]ast, 0, len(xs))
	for _, x := range xs {
		switch n := x.(type) {
		case T:
			switch m := any(n).(type) {
			case andNode:
				out = append(out, m.xs...)
			case orNode:
				out = append(out, m.xs...)
			}
		default:
			out = append(out, x)
		}
	}
	return out
}

func (p *parser) parseNot() (ast, error) {
	if p.peek().kind == tNot {
		p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return notNode{x: x}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (ast, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, errAt(c, "expected ')' to close '(' at column %d, got %s", t.col, c.describe())
		}
		return x, nil
	case tTrue:
		return constNode{v: true}, nil
	case tFalse:
		return constNode{v: false}, nil
	case tIdent:
		return p.parsePredicate(colRef{name: t.text, col: t.col})
	case tString, tNumber:
		return nil, errAt(t, "expected column name, got %s (write the column on the left: column = value)", t.describe())
	}
	return nil, errAt(t, "expected column name, NOT or '(', got %s", t.describe())
}

func (p *parser) parsePredicate(c colRef) (ast, error) {
	t := p.peek()
	switch t.kind {
	case tOp:
		p.next()
		v, err := p.parseValue(t)
		if err != nil {
			return nil, err
		}
		return cmpNode{c: c, op: opNames[t.text], v: v}, nil
	case tIn:
		p.next()
		list, err := p.parseList()
		if err != nil {
			return nil, err
		}
		return inNode{c: c, list: list}, nil
	case tNot:
		p.next()
		in := p.next()
		if in.kind != tIn {
			return nil, errAt(in, "expected IN after '%s %s', got %s", c.name, t.raw, in.describe())
		}
		list, err := p.parseList()
		if err != nil {
			return nil, err
		}
		return inNode{c: c, neg: true, list: list}, nil
	case tIs:
		p.next()
		neg := false
		if p.peek().kind == tNot {
			p.next()
			neg = true
		}
		if n := p.next(); n.kind != tNull {
			return nil, errAt(n, "expected NULL after IS, got %s", n.describe())
		}
		return nullNode{c: c, neg: neg}, nil
	case tAnd, tOr, tRParen, tEOF:
		return boolColNode{c: c}, nil
	}
	return nil, errAt(t, "expected a comparison (=, !=, <, <=, >, >=, IN, IS) after column '%s', got %s", c.name, t.describe())
}

// parseValue parses the literal after operator op.
func (p *parser) parseValue(op token) (value, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return value{kind: vString, s: t.text, col: t.col, raw: t.raw}, nil
	case tNumber:
		return numberValue(t), nil
	case tTrue, tFalse:
		return value{kind: vBool, b: t.kind == tTrue, col: t.col, raw: t.raw}, nil
	case tNull:
		return value{}, errAt(t, "cannot compare with NULL; use IS NULL or IS NOT NULL")
	}
	return value{}, errAt(t, "expected value after '%s', got %s", op.raw, t.describe())
}

func numberValue(t token) value {
	v := value{kind: vNumber, col: t.col, raw: t.raw}
	if !strings.ContainsAny(t.raw, ".eE") {
		if i, err := strconv.ParseInt(t.raw, 10, 64); err == nil {
			v.isInt, v.i, v.f = true, i, float64(i)
			return v
		}
	}
	v.f, _ = strconv.ParseFloat(t.raw, 64) // checked by the lexer
	if v.f == math.Trunc(v.f) && math.Abs(v.f) < 1<<62 {
		v.isInt, v.i = true, int64(v.f)
	}
	return v
}

// parseList parses "(v1, v2, ...)" after IN.
func (p *parser) parseList() ([]value, error) {
	open := p.next()
	if open.kind != tLParen {
		return nil, errAt(open, "expected '(' after IN, got %s", open.describe())
	}
	var list []value
	prev := open
	for {
		v, err := p.parseValue(prev)
		if err != nil {
			if prev.kind == tLParen && p.toks[p.pos-1].kind == tRParen {
				return nil, errAt(p.toks[p.pos-1], "empty IN list")
			}
			return nil, err
		}
		list = append(list, v)
		t := p.next()
		switch t.kind {
		case tComma:
			prev = t
			continue
		case tRParen:
			return list, nil
		}
		return nil, errAt(t, "expected ',' or ')' in IN list opened at column %d, got %s", open.col, t.describe())
	}
}
