// Package sqlfile loads a package's SQL from embedded .sql files by
// name. A file is a text/template: {{table "name"}} names a warehouse table
// (qualified for the warehouse's dialect when rendered, and recorded, so a
// job can be checked against the tables it declares), other {{.Field}}
// values come from the caller. Comments go in {{/* */}}, which render as
// nothing.
package sqlfile

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Set is the SQL files of one package.
type Set struct {
	tmpl   *template.Template
	tables map[string][]string // file name (no .sql) -> tables it names, sorted
}

// tableRef finds the tables a file names. It reads the template source,
// not SQL: {{table "x"}} is this package's own syntax.
var tableRef = regexp.MustCompile(`\{\{-?\s*table\s+"([A-Za-z0-9_]+)"\s*-?\}\}`)

// Parse reads every dir/*.sql of fsys. Files are named by their base name
// without .sql.
func Parse(fsys fs.FS, dir string) (*Set, error) {
	paths, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("sqlfile: no .sql files in %s", dir)
	}
	s := &Set{tmpl: template.New("").Option("missingkey=error"), tables: map[string][]string{}}
	s.tmpl.Funcs(template.FuncMap{"table": func(string) string { return "" }})
	var temps []string
	for _, p := range paths {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(path.Base(p), ".sql")
		if _, err := s.tmpl.New(name).Parse(string(b)); err != nil {
			return nil, fmt.Errorf("sqlfile: %s: %w", p, err)
		}
		// The tables a file touches: those it names with {{table}} and,
		// through Scan, any it spells bare, so a name written without
		// {{table}} is still checked against the job's declaration.
		var ts []string
		for _, m := range tableRef.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(ts, m[1]) {
				ts = append(ts, m[1])
			}
		}
		reads, writes, tmp := scan(string(b))
		temps = append(temps, tmp...)
		for _, t := range append(reads, writes...) {
			if !slices.Contains(ts, t) {
				ts = append(ts, t)
			}
		}
		s.tables[name] = ts
	}
	// A temporary table one file of the set creates is session state of
	// the job that runs the set, not a warehouse table, in every file.
	for name, ts := range s.tables {
		ts = slices.DeleteFunc(ts, func(t string) bool { return slices.Contains(temps, t) })
		sort.Strings(ts)
		s.tables[name] = ts
	}
	return s, nil
}

// MustParse is Parse for package variables: a broken or missing file stops
// the binary at start.
func MustParse(fsys fs.FS, dir string) *Set {
	s, err := Parse(fsys, dir)
	if err != nil {
		panic(err)
	}
	return s
}

// Temp declares temporary tables the job creates in Go code and the files
// read (a session's scratch, not warehouse tables): they are left out of
// Tables and Undeclared. It returns s for use in a package variable.
func (s *Set) Temp(names ...string) *Set {
	for f, ts := range s.tables {
		s.tables[f] = slices.DeleteFunc(ts, func(t string) bool { return slices.Contains(names, t) })
	}
	return s
}

// Names lists the files, sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.tables))
	for n := range s.tables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Tables lists the tables file name reads or writes: named with {{table}}
// or found by Scan.
func (s *Set) Tables(name string) []string { return s.tables[name] }

// Render renders file name for dialect d with data.
func (s *Set) Render(name string, d warehouse.SQL, data any) (string, error) {
	if _, ok := s.tables[name]; !ok {
		return "", fmt.Errorf("sqlfile: no file %s.sql", name)
	}
	t, err := s.tmpl.Clone()
	if err != nil {
		return "", err
	}
	t.Funcs(template.FuncMap{"table": d.Table})
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("sqlfile: %s.sql: %w", name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// Undeclared returns the tables file name touches (Tables) that are not in
// declared.
func (s *Set) Undeclared(name string, declared []string) []string {
	var out []string
	for _, t := range s.tables[name] {
		if !slices.Contains(declared, t) {
			out = append(out, t)
		}
	}
	return out
}
