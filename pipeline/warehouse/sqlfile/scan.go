package sqlfile

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Scan lists the tables a SQL text reads and writes, for checking a job's
// SQL against the tables it declares. It is a scanner of identifiers after
// clause keywords, not a parser, written here because DuckDB's own
// json_serialize_sql serialises SELECT statements only (CREATE TABLE AS,
// INSERT, UPDATE and DELETE are refused) and BigQuery's dialect has no Go
// parser. The rules:
//
//   - reads: the name after FROM or JOIN, and each name of a comma list
//     after FROM (FROM a x, b y);
//   - writes: the name after INTO, UPDATE, or TABLE/VIEW of CREATE, DROP
//     and ALTER (IF [NOT] EXISTS skipped), and after DELETE FROM;
//   - a name read followed by "(" is a table function, not a table, and
//     the engine's catalog (information_schema.*) is no table either;
//   - FROM inside extract(...), substring(...), trim(...), overlay(...) and
//     after IS [NOT] DISTINCT is not a clause;
//   - names defined by WITH (CTEs) and CREATE TEMP TABLE are local, and
//     so is a name in the temp catalog (temp.main.x);
//   - comments, string literals and sqlfile template actions are skipped
//     ({{table "x"}} reads as x; a table named by data, {{table .Raw}},
//     is not known from the text and not listed);
//   - a qualified name keeps its last part (dataset.orders is orders),
//     quotes removed, lower-cased.
//
// SQL built from pieces in Go (a name concatenated in) shows only what its
// text spells, so the check is exact for .sql files and partial otherwise.
func Scan(sql string) (reads, writes []string) {
	reads, writes, _ = scan(sql)
	return reads, writes
}

// ScanTemps is Scan that also lists the temporary tables the text creates
// (left out of reads and writes), for statements run in one session: a temp
// table one statement creates is no warehouse table in the later ones either.
func ScanTemps(sql string) (reads, writes, temps []string) { return scan(sql) }

// scan is ScanTemps.
func scan(sql string) (reads, writes, temps []string) {
	toks := tokenize(sql)
	local := map[string]bool{}
	// CTE names: WITH [RECURSIVE] name AS [[NOT] MATERIALIZED] ( ... ), name AS ( ...
	for i := 0; i+2 < len(toks); i++ {
		if toks[i].kind != word || toks[i+1].up != "AS" {
			continue
		}
		j := i + 2
		if toks[j].up == "NOT" && j+1 < len(toks) {
			j++
		}
		if toks[j].up == "MATERIALIZED" && j+1 < len(toks) {
			j++
		}
		if toks[j].text != "(" {
			continue
		}
		if i > 0 && (toks[i-1].up == "WITH" || toks[i-1].up == "RECURSIVE" || toks[i-1].text == ",") {
			local[toks[i].name()] = true
		}
	}
	var stack []string // the word before each open parenthesis
	add := func(list *[]string, n string) {
		if !local[n] && !slices.Contains(*list, n) {
			*list = append(*list, n)
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.text {
		case "(":
			fn := ""
			if i > 0 {
				fn = toks[i-1].up
			}
			stack = append(stack, fn)
			continue
		case ")":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if t.kind != word {
			continue
		}
		var target *[]string
		next := i + 1
		switch t.up {
		case "FROM":
			if len(stack) > 0 && fromFunctions[stack[len(stack)-1]] {
				continue
			}
			if i > 0 && toks[i-1].up == "DISTINCT" {
				continue
			}
			target = &reads
			if i > 0 && toks[i-1].up == "DELETE" {
				target = &writes
			}
		case "JOIN":
			target = &reads
		case "INTO":
			target = &writes
		case "UPDATE":
			if next < len(toks) && toks[next].up == "SET" { // ON CONFLICT DO UPDATE SET
				continue
			}
			target = &writes
		case "TABLE", "VIEW":
			k := i - 1
			for k >= 0 && (toks[k].up == "OR" || toks[k].up == "REPLACE" || toks[k].up == "TEMP" || toks[k].up == "TEMPORARY") {
				k--
			}
			if k < 0 || (toks[k].up != "CREATE" && toks[k].up != "DROP" && toks[k].up != "ALTER") {
				continue
			}
			temp := false
			for _, p := range toks[k+1 : i] {
				temp = temp || p.up == "TEMP" || p.up == "TEMPORARY"
			}
			for next < len(toks) && (toks[next].up == "IF" || toks[next].up == "NOT" || toks[next].up == "EXISTS") {
				next++
			}
			if temp && next < len(toks) {
				local[toks[next].name()] = true
				temps = append(temps, toks[next].name())
				continue
			}
			target = &writes
		default:
			continue
		}
		if next >= len(toks) || toks[next].kind != word || keywords[toks[next].up] {
			continue
		}
		if target == &reads && next+1 < len(toks) && toks[next+1].text == "(" {
			continue // a table function: read_csv(...), unnest(...)
		}
		if catalog(toks[next].text) || toks[next].text == dynamic {
			continue
		}
		if tempCatalog(toks[next].text) {
			if n := toks[next].name(); !slices.Contains(temps, n) {
				temps = append(temps, n)
			}
			continue
		}
		add(target, toks[next].name())
		if target == &reads {
			// FROM a [AS] x, b [AS] y: the tables of a comma list.
			for p := next + 1; ; {
				if p < len(toks) && toks[p].up == "AS" {
					p++
				}
				if p < len(toks) && toks[p].kind == word && !keywords[toks[p].up] && !clauseEnd[toks[p].up] {
					p++ // an alias
				}
				if p+1 >= len(toks) || toks[p].text != "," || toks[p+1].kind != word || keywords[toks[p+1].up] {
					break
				}
				if p+2 < len(toks) && toks[p+2].text == "(" {
					break // a table function
				}
				if !catalog(toks[p+1].text) && toks[p+1].text != dynamic {
					add(&reads, toks[p+1].name())
				}
				p += 2
			}
		}
	}
	slices.Sort(reads)
	slices.Sort(writes)
	return reads, writes, temps
}

// catalog reports a name of the engine's catalog (information_schema.x,
// duckdb_tables()), which is no table of the warehouse.
func catalog(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(name, "`", ""), `"`, ""))
	return strings.Contains(n, "information_schema.") || strings.HasPrefix(n, "duckdb_") || strings.HasPrefix(n, "pg_catalog.")
}

// tempCatalog reports a name qualified by DuckDB's catalog of temporary
// tables (temp.main.x), which is session state, not a warehouse table.
func tempCatalog(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, `"`, ""))
	return strings.HasPrefix(n, "temp.")
}

// fromFunctions take FROM as an argument separator.
var fromFunctions = map[string]bool{"EXTRACT": true, "SUBSTRING": true, "TRIM": true, "OVERLAY": true, "POSITION": true}

// keywords that may follow a clause keyword without a table name.
var keywords = map[string]bool{"SELECT": true, "WITH": true, "VALUES": true, "LATERAL": true, "UNNEST": true, "SET": true,
	"WHERE": true, "ON": true, "USING": true, "GROUP": true, "ORDER": true, "LIMIT": true, "AS": true, "ADD": true, "DROP": true}

// clauseEnd are words that may follow a table name and are no alias.
var clauseEnd = map[string]bool{"JOIN": true, "LEFT": true, "RIGHT": true, "INNER": true, "FULL": true, "CROSS": true, "SEMI": true,
	"ANTI": true, "NATURAL": true, "POSITIONAL": true, "ASOF": true, "UNION": true, "EXCEPT": true, "INTERSECT": true, "QUALIFY": true,
	"HAVING": true, "WINDOW": true, "FOR": true, "RETURNING": true, "TABLESAMPLE": true}

// dynamic stands for a template action other than {{table "x"}}: a table
// named by data ({{table .Raw}}) is not known from the text and is not
// listed.
const dynamic = "_sqlfile_dynamic_"

type tokKind int

const (
	word tokKind = iota
	punct
)

type token struct {
	kind     tokKind
	text, up string
}

// name is a word token as a table name: quotes removed, last part of a
// qualified name, lower case.
func (t token) name() string {
	s := t.text
	if k := strings.LastIndexByte(s, '.'); k >= 0 {
		s = s[k+1:]
	}
	return strings.ToLower(strings.Trim(s, "\"`"))
}

// tableAction is sqlfile's table reference; other template actions are
// dropped before scanning.
var (
	tableAction = regexp.MustCompile(`\{\{-?\s*table\s+"([A-Za-z0-9_]+)"\s*-?\}\}`)
	otherAction = regexp.MustCompile(`\{\{.*?\}\}`)
)

func tokenize(s string) []token {
	s = tableAction.ReplaceAllString(s, " $1 ")
	s = otherAction.ReplaceAllString(s, " "+dynamic+" ")
	var out []token
	r := []rune(s)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '-' && i+1 < len(r) && r[i+1] == '-':
			for i < len(r) && r[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(r) && r[i+1] == '*':
			i += 2
			for i+1 < len(r) && !(r[i] == '*' && r[i+1] == '/') {
				i++
			}
			i += 2
		case c == '\'':
			i++
			for i < len(r) && r[i] != '\'' {
				i++
			}
			i++
		case c == '"' || c == '`' || c == '_' || unicode.IsLetter(c):
			j := i
			for j < len(r) {
				if r[j] == '"' || r[j] == '`' {
					q := r[j]
					j++
					for j < len(r) && r[j] != q {
						j++
					}
					j++
					continue
				}
				if r[j] == '_' || r[j] == '.' || unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) {
					j++
					continue
				}
				break
			}
			w := string(r[i:j])
			out = append(out, token{kind: word, text: w, up: strings.ToUpper(w)})
			i = j
		default:
			out = append(out, token{kind: punct, text: string(c)})
			i++
		}
	}
	return out
}
