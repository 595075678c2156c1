package ingest

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/source"
)

// SourceOptions are the reader options of a source's files.
func SourceOptions(src *config.Source) source.Options {
	opts := source.Options{Encoding: src.Encoding, Compression: src.Compression, Sheet: src.Sheet, NoHeader: !src.HasHeader(),
		SkipRows: src.SkipRows, Location: src.Location}
	switch {
	case src.Delimiter == config.DelimiterWhitespace:
		opts.Whitespace = true
	case src.Delimiter != "":
		opts.Delimiter = []rune(src.Delimiter)[0]
	}
	if src.Comment != "" {
		opts.Comment = []rune(src.Comment)[0]
	}
	return opts
}

// columnExpr is a mapped column given as arithmetic over the file's
// columns, e.g. paid_amount: "Quantity * UnitPrice". It is evaluated with
// github.com/expr-lang/expr: + - * / % ** and parentheses over numbers and
// column names; a column whose name is not an identifier is written
// $env["Unit Price"]. Every column it names must hold a number on each row.
type columnExpr struct {
	src  string
	prog *vm.Program
	cols []int    // header index of each column it names
	name []string // those columns' names
	env  map[string]any
}

// isExpression reports whether a mapped value that is not a header of the
// file is meant as an expression (it has an operator or a parenthesis).
func isExpression(s string) bool { return strings.ContainsAny(s, "+-*/%()") }

// compileColumnExpr compiles src against header (pos: header name ->
// index).
func compileColumnExpr(src string, header []string, pos map[string]int) (*columnExpr, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	names := map[string]bool{}
	ast.Walk(&tree.Node, nameCollector(names))
	e := &columnExpr{src: src, env: map[string]any{}}
	for n := range names {
		i, ok := pos[n]
		if !ok {
			return nil, fmt.Errorf("expression %q: the file has no column %q", src, n)
		}
		e.cols = append(e.cols, i)
		e.name = append(e.name, n)
		e.env[n] = 0.0
	}
	e.prog, err = expr.Compile(src, expr.Env(e.env), expr.AsFloat64())
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	return e, nil
}

type nameCollector map[string]bool

func (c nameCollector) Visit(n *ast.Node) {
	switch v := (*n).(type) {
	case *ast.IdentifierNode:
		if v.Value != "$env" {
			c[v.Value] = true
		}
	case *ast.MemberNode:
		if id, ok := v.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
			if s, ok := v.Property.(*ast.StringNode); ok {
				c[s.Value] = true
			}
		}
	}
}

// eval computes the expression on the fields of one row; the error names
// the column that is not a number.
func (e *columnExpr) eval(fields []string) (float64, error) {
	for k, i := range e.cols {
		var raw string
		if i < len(fields) {
			raw = strings.TrimSpace(fields[i])
		}
		v, err := parseFloat(raw)
		if err != nil {
			return 0, fmt.Errorf("column %q: cannot parse %q as a number", e.name[k], raw)
		}
		e.env[e.name[k]] = v
	}
	out, err := expr.Run(e.prog, e.env)
	if err != nil {
		return 0, err
	}
	f, ok := out.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q gives %v, not a finite number", e.src, out)
	}
	return f, nil
}

// returnRules are a source's Returns bound to the file's header.
type returnRules struct {
	negativeQty bool
	status      map[string]bool
	prefix      string
	// originalFromPrefix: the original order of a return whose id has the
	// prefix is that id without it.
	originalFromPrefix bool
}

func newReturnRules(r *config.Returns) *returnRules {
	if r == nil {
		return nil
	}
	rr := &returnRules{negativeQty: r.NegativeQty, prefix: r.OrderIDPrefix, originalFromPrefix: r.OriginalFromPrefix}
	if len(r.Status) > 0 {
		rr.status = map[string]bool{}
		for _, s := range r.Status {
			rr.status[strings.ToLower(strings.TrimSpace(s))] = true
		}
	}
	return rr
}

// rawField is the trimmed text of canonical field fi on row fields (its
// column, else its constant).
func (m *Mapping) rawField(fi int, fields []string) string {
	if fi < 0 {
		return ""
	}
	if i := m.idx[fi]; i >= 0 {
		if i < len(fields) {
			return strings.TrimSpace(fields[i])
		}
		return ""
	}
	if m.hasConst[fi] {
		return m.consts[fi]
	}
	return ""
}

// isReturn reports whether the row is a return under the source's rules.
func (m *Mapping) isReturn(fields []string) bool {
	r := m.returns
	if r == nil {
		return false
	}
	if r.prefix != "" {
		if id := m.rawField(m.fOrderID, fields); id != "" && strings.HasPrefix(id, r.prefix) {
			return true
		}
	}
	if r.status != nil && r.status[strings.ToLower(m.rawField(m.fStatus, fields))] {
		return true
	}
	if r.negativeQty {
		if q := m.rawField(m.fQty, fields); strings.HasPrefix(q, "-") {
			if v, err := parseFloat(q); err == nil && v < 0 {
				return true
			}
		}
	}
	return false
}

// roundDerived drops the binary floating-point noise of arithmetic on
// decimal amounts (3 × 1.85 − 0.55 is 5.000000000000001 in float64) by
// rounding to a millionth, far below any currency's smallest unit.
func roundDerived(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// derivedOrderID names the order of a line of a file without order ids:
// each line is its own order, "<file>#<row>".
func derivedOrderID(file string, row int64) string {
	return file + "#" + strconv.FormatInt(row, 10)
}

// originalOrderID is the stored original_order_id of a row: on a return,
// the mapped value (raw), else with original_from_prefix the return's own
// order id without the prefix; empty on other lines and when it names the
// return's own order (nothing to tie).
func (m *Mapping) originalOrderID(ret bool, raw, ownID string) string {
	if !ret {
		return ""
	}
	if raw == "" && m.returns.originalFromPrefix && m.returns.prefix != "" && strings.HasPrefix(ownID, m.returns.prefix) {
		raw = strings.TrimSpace(strings.TrimPrefix(ownID, m.returns.prefix))
	}
	if raw == ownID {
		return ""
	}
	return raw
}
