package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

// engineNames are the warehouse engines only pipeline/warehouse may tell
// apart.
var engineNames = map[string]bool{"duckdb": true, "bigquery": true}

// EngineBranch is a comparison with an engine name outside
// pipeline/warehouse: x == "duckdb", x != "bigquery", case "duckdb":.
// Comparisons with a Kind field (cfg.Warehouse.Kind == "duckdb", switch
// cfg.Warehouse.Kind) are not branches on the engine but dispatch on the
// configured warehouse kind, which config validates and jobs opens; they
// are not reported.
type EngineBranch struct {
	Path string // slash-separated, relative to the module root
	Line int
	Name string
}

// EngineBranches finds the engine-name comparisons in the non-test Go files
// of root outside pipeline/warehouse.
func EngineBranches(root string) ([]EngineBranch, error) {
	var out []EngineBranch
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "tools" || rel == "pipeline/warehouse") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		lit := func(e ast.Expr) (string, bool) {
			b, ok := e.(*ast.BasicLit)
			if !ok || b.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(b.Value)
			return s, err == nil && engineNames[strings.ToLower(s)]
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if n.Op != token.EQL && n.Op != token.NEQ || isKind(n.X) || isKind(n.Y) {
					return true
				}
				for _, side := range []ast.Expr{n.X, n.Y} {
					if s, ok := lit(side); ok {
						out = append(out, EngineBranch{rel, fset.Position(n.Pos()).Line, s})
					}
				}
			case *ast.SwitchStmt:
				if n.Tag == nil || isKind(n.Tag) {
					return true
				}
				for _, st := range n.Body.List {
					for _, e := range st.(*ast.CaseClause).List {
						if s, ok := lit(e); ok {
							out = append(out, EngineBranch{rel, fset.Position(e.Pos()).Line, s})
						}
					}
				}
			}
			return true
		})
		return nil
	})
	return out, err
}

// isKind tells whether e is a selector of a field named Kind.
func isKind(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Kind"
}
