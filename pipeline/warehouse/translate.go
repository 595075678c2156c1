package warehouse

import (
	"strconv"
	"strings"
	"unicode"
)

// DuckDB-flavoured SQL to GoogleSQL: the jobs write one SQL text, and the
// BigQuery warehouse translates it before it runs.

// bigQueryTypeWords maps the DuckDB type names the project's DDL and casts
// use to GoogleSQL names. Only whole words outside literals, not followed by
// "(" (a function call) and not after "." (a qualified name), are rewritten.
var bigQueryTypeWords = map[string]string{
	"VARCHAR": "STRING", "BIGINT": "INT64", "INTEGER": "INT64", "SMALLINT": "INT64", "TINYINT": "INT64",
	"UBIGINT": "INT64", "HUGEINT": "INT64", "DOUBLE": "FLOAT64", "REAL": "FLOAT64", "BOOLEAN": "BOOL",
	"TIMESTAMPTZ": "TIMESTAMP", "DECIMAL": "NUMERIC",
}

// maxNumberedPlaceholder is the highest $N taken as a placeholder.
const maxNumberedPlaceholder = 9999

// TranslateToBigQuery rewrites the DuckDB spellings that have an exact
// GoogleSQL twin, so SQL written once runs on both engines:
//   - "quoted" identifiers become `quoted` (in DuckDB a double-quoted token
//     is always an identifier; in GoogleSQL it would be a string),
//   - 'it”s' string literals become 'it\'s' (and backslashes are escaped),
//   - type names in DDL and CAST (VARCHAR, BIGINT, DOUBLE, TIMESTAMPTZ, ...),
//   - now() becomes CURRENT_TIMESTAMP(),
//   - "* EXCLUDE (...)" becomes "* EXCEPT (...)",
//   - the column names hash and partition (reserved words in GoogleSQL) are
//     quoted (partition only where it is not PARTITION BY).
//
// Placeholders are rewritten by ph when ph is not nil: it is called with the
// 0-based argument index of each placeholder ('?' binds the next argument,
// DuckDB's $N the N-th) and returns its replacement. Comments
// are dropped. Constructs without an exact twin (timezone(), strftime(),
// date_diff(), date_trunc(), information_schema) are left alone: write them
// through the SQL helpers instead.
func TranslateToBigQuery(sql string, ph func(i int) string) string {
	var b strings.Builder
	b.Grow(len(sql) + 16)
	n := 0
	lastSig := byte(0) // last significant (non-space) byte written
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'':
			lit, j := unquote(sql, i)
			b.WriteString(BigQueryString(lit))
			lastSig = '\''
			i = j + 1
		case c == '"':
			id, j := unquote(sql, i)
			b.WriteString(BigQueryIdent(id))
			lastSig = '`'
			i = j + 1
		case c == '`':
			j := strings.IndexByte(sql[i+1:], '`')
			if j < 0 {
				// Unterminated: the rest is passed on as it is for the
				// engine to refuse, never sliced past its end (a seed of
				// FuzzTranslateToBigQuery holds such a statement).
				j = len(sql) - i - 2
			}
			b.WriteString(sql[i : i+j+2])
			lastSig = '`'
			i += j + 2
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				i = len(sql)
			} else {
				i += j
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				i = len(sql)
			} else {
				i += j + 4
			}
			b.WriteByte(' ')
		case c == '?':
			if ph != nil {
				b.WriteString(ph(n))
			} else {
				b.WriteByte('?')
			}
			n++
			lastSig = '?'
			i++
		case c == '$' && i+1 < len(sql) && sql[i+1] >= '1' && sql[i+1] <= '9':
			// DuckDB's numbered placeholder $N binds the N-th argument.
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			k, err := strconv.Atoi(sql[i+1 : j])
			if err != nil || k > maxNumberedPlaceholder {
				// Not an argument any call could bind (found by
				// FuzzTranslateToBigQuery: $99999999999999999999 asked
				// for 2^63 arguments): left as text for the engine to refuse.
				b.WriteString(sql[i:j])
				lastSig = 'a'
				i = j
				continue
			}
			if ph != nil {
				b.WriteString(ph(k - 1))
			} else {
				b.WriteString(sql[i:j])
			}
			lastSig = '?'
			i = j
		case isWordStart(c):
			j := i + 1
			for j < len(sql) && isWordPart(sql[j]) {
				j++
			}
			word := sql[i:j]
			next := nextSignificant(sql, j)
			up := strings.ToUpper(word)
			if up == "USING" && strings.EqualFold(nextWord(sql, j), "COMPRESSION") {
				// A DuckDB storage hint (ColumnsDDL): BigQuery chooses its
				// own storage, so the hint and its method are left out.
				i = wordEnd(sql, wordEnd(sql, j))
				continue
			}
			switch {
			case up == "HASH" || (up == "PARTITION" && !strings.EqualFold(nextWord(sql, j), "BY")):
				// Column names of the project that GoogleSQL reserves.
				b.WriteString(BigQueryIdent(word))
			case lastSig == '.':
				b.WriteString(word)
			case next == '(' && up == "NOW" && strings.HasPrefix(strings.TrimLeft(sql[j:], " \t\r\n"), "()"):
				b.WriteString("CURRENT_TIMESTAMP")
			case next != '(' && bigQueryTypeWords[up] != "":
				b.WriteString(bigQueryTypeWords[up])
			case up == "EXCLUDE" && lastSig == '*':
				b.WriteString("EXCEPT")
			default:
				b.WriteString(word)
			}
			lastSig = 'a'
			i = j
		default:
			b.WriteByte(c)
			if !unicode.IsSpace(rune(c)) {
				lastSig = c
			}
			i++
		}
	}
	return b.String()
}

// CountPlaceholders is the number of arguments sql binds: its '?'
// placeholders outside literals, quoted identifiers and comments, or the
// highest $N.
func CountPlaceholders(sql string) int {
	n := 0
	TranslateToBigQuery(sql, func(i int) string {
		if i+1 > n {
			n = i + 1
		}
		return "?"
	})
	return n
}

func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isWordPart(c byte) bool { return isWordStart(c) || (c >= '0' && c <= '9') }

func nextSignificant(s string, i int) byte {
	for ; i < len(s); i++ {
		if !unicode.IsSpace(rune(s[i])) {
			return s[i]
		}
	}
	return 0
}

func nextWord(s string, i int) string {
	j := wordEnd(s, i)
	return strings.TrimLeftFunc(s[i:j], unicode.IsSpace)
}

// wordEnd is the index just after the word that follows s[i:] (after any
// spaces).
func wordEnd(s string, i int) int {
	for i < len(s) && unicode.IsSpace(rune(s[i])) {
		i++
	}
	for i < len(s) && isWordPart(s[i]) {
		i++
	}
	return i
}

// unquote reads the SQL-standard quoted token that starts at sql[i] (a
// string literal in '…' or an identifier in "…", the quote doubled inside
// it) and returns its text without the quotes and the index of its closing
// quote (len(sql) when it is unterminated).
func unquote(sql string, i int) (string, int) {
	q := sql[i]
	var out strings.Builder
	j := i + 1
	for j < len(sql) {
		if sql[j] == q {
			if j+1 < len(sql) && sql[j+1] == q {
				out.WriteByte(q)
				j += 2
				continue
			}
			break
		}
		out.WriteByte(sql[j])
		j++
	}
	return out.String(), j
}
