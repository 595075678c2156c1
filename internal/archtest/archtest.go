// Package archtest measures and guards the shape of the source tree: SQL
// kept in Go string literals, source files by length, which packages name a
// warehouse engine, and tables declared in CREATE TABLE text. Its tests are the guard; FiguresFor is the
// measurement the structure note quotes (go test ./internal/archtest -run
// TestFigures -v prints it).
package archtest

import (
	"bufio"
	"bytes"
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

// sqlWord matches upper-case SQL keywords as whole words. Upper case only,
// so English prose in error messages ("read from %s") does not count; a
// literal needs one statement keyword or two clause keywords to be SQL.
// AND, OR, IN and NOT are left out of the clauses: error messages about the
// segment grammar use them as words.
var (
	sqlStatement = regexp.MustCompile(`\b(SELECT|INSERT INTO|CREATE (OR REPLACE )?(TEMP )?(TABLE|VIEW|SCHEMA|INDEX|SEQUENCE|MACRO)|DROP (TABLE|VIEW|SCHEMA)|ALTER TABLE|DELETE FROM|UPDATE \w+ SET|MERGE INTO|COPY|ATTACH|PRAGMA|DESCRIBE)\b`)
	sqlClause    = regexp.MustCompile(`\b(FROM|WHERE|JOIN|GROUP BY|ORDER BY|PARTITION BY|CASE WHEN|THEN|END|AS|ON|IS NULL|VALUES|UNION ALL|QUALIFY|OVER|EXCLUDE|DISTINCT|HAVING|LIMIT)\b`)
)

// IsSQL reports whether a string literal's text reads as SQL (a statement or
// a fragment such as a column list or a join clause).
func IsSQL(s string) bool {
	if sqlStatement.MatchString(s) {
		return true
	}
	return len(sqlClause.FindAllString(s, 3)) >= 2
}

// File is one Go source file's figures.
type File struct {
	Path        string // slash-separated, relative to the module root
	Lines       int
	SQLLiterals int
	SQL         []string // each SQL literal's first line, for -v listings
	Test        bool
	// Reason is set when the file states why it is long: a comment line
	// starting "// Long file:" before its first declaration.
	Reason bool
}

// longReason marks the stated reason of a file over LongFileLines lines.
var longReason = regexp.MustCompile(`(?m)^// Long file:`)

// Scan walks the module rooted at root and returns every .go file's figures,
// sorted by path. Directories starting with "." and testdata are skipped.
func Scan(root string) ([]File, error) {
	var out []File
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "tools" || name == "archtest") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fig := File{Path: filepath.ToSlash(rel), Lines: countLines(src), Test: strings.HasSuffix(name, "_test.go")}
		top := src
		if len(f.Decls) > 0 {
			top = src[:fset.Position(f.Decls[0].Pos()).Offset]
		}
		fig.Reason = longReason.Match(top)
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && IsSQL(s) {
				fig.SQLLiterals++
				first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
				fig.SQL = append(fig.SQL, first)
			}
			return true
		})
		out = append(out, fig)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

func countLines(src []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}

// Figures sums a scan over non-test files.
type Figures struct {
	SQLLiterals  int      // SQL string literals in non-test .go files
	SQLFiles     int      // non-test .go files holding at least one
	LongFiles    []string // non-test .go files over LongFileLines lines without a stated reason
	LongReasoned []string // non-test .go files over LongFileLines lines that state why (File.Reason)
	TestLong     []string // _test.go files over LongFileLines lines
	SQLFilesList []string // "path n" per file with SQL literals, most first
}

// LongFileLines is the length above which a file needs a stated reason.
const LongFileLines = 500

// Sum computes the Figures of a scan.
func Sum(files []File) Figures {
	var f Figures
	type kv struct {
		p string
		n int
	}
	var per []kv
	for _, x := range files {
		if x.Lines > LongFileLines {
			if x.Test {
				f.TestLong = append(f.TestLong, x.Path)
			} else if x.Reason {
				f.LongReasoned = append(f.LongReasoned, x.Path)
			} else {
				f.LongFiles = append(f.LongFiles, x.Path)
			}
		}
		if x.Test || x.SQLLiterals == 0 {
			continue
		}
		f.SQLLiterals += x.SQLLiterals
		f.SQLFiles++
		per = append(per, kv{x.Path, x.SQLLiterals})
	}
	sort.SliceStable(per, func(i, j int) bool { return per[i].n > per[j].n })
	for _, x := range per {
		f.SQLFilesList = append(f.SQLFilesList, x.p+" "+strconv.Itoa(x.n))
	}
	return f
}
