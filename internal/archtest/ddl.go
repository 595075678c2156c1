package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// columnListDDL matches CREATE TABLE text with a column list: a table
// declared in SQL rather than from an Arrow schema (warehouse.CreateTable).
// CREATE TABLE ... AS SELECT (warehouse.CreateTableAs) has no list and is
// not matched.
var columnListDDL = regexp.MustCompile("(?is)\\bCREATE\\s+(OR\\s+REPLACE\\s+)?((TEMP|TEMPORARY)\\s+)?TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?[\\w.%\"`]+\\s*\\(")

// DDLHit is a table declared by CREATE TABLE text.
type DDLHit struct {
	Path string // slash-separated, relative to the module root
	Line int
}

// DDLText finds the string literals of non-test Go files and the .sql files
// outside pipeline/warehouse that create a table from a column list. A
// statement assembled by concatenation is found only when one literal holds
// the table name and the opening parenthesis.
func DDLText(root string) ([]DDLHit, error) {
	var out []DDLHit
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "tools" || name == "archtest" || rel == "pipeline/warehouse") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(name, ".sql"):
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if loc := columnListDDL.FindIndex(src); loc != nil {
				out = append(out, DDLHit{rel, 1 + strings.Count(string(src[:loc[0]]), "\n")})
			}
		case strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go"):
			f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && columnListDDL.MatchString(s) {
					out = append(out, DDLHit{rel, fset.Position(lit.Pos()).Line})
				}
				return true
			})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Line < out[j].Line
	})
	return out, err
}
