package segment

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tOp     // = != <> < <= > >=
	tLParen // (
	tRParen // )
	tComma
	tAnd
	tOr
	tNot
	tIn
	tIs
	tNull
	tTrue
	tFalse
)

// token is one lexical token; col is its 1-based position in runes.
type token struct {
	kind tokKind
	text string // as written (ident: the name; string: the unquoted value)
	raw  string // source text of the token, for messages
	col  int
}

var keywords = map[string]tokKind{
	"AND": tAnd, "OR": tOr, "NOT": tNot, "IN": tIn, "IS": tIs,
	"NULL": tNull, "TRUE": tTrue, "FALSE": tFalse,
}

// describe renders a token for an error message.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return "string " + t.raw
	case tNumber:
		return "number " + t.raw
	case tIdent:
		return "'" + t.raw + "'"
	}
	return "'" + t.raw + "'"
}

// lex splits src into tokens. Errors are *Error values with the position.
func lex(src string) ([]token, error) {
	var toks []token
	col := 1 // rune column of src[i]
	i := 0
	for i < len(src) {
		c := src[i]
		start, startCol := i, col
		adv := func(n int) { // advance n bytes, counting runes
			col += utf8.RuneCountInString(src[i : i+n])
			i += n
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			adv(1)
			continue
		case c == '(':
			adv(1)
			toks = append(toks, token{kind: tLParen, raw: "(", col: startCol})
		case c == ')':
			adv(1)
			toks = append(toks, token{kind: tRParen, raw: ")", col: startCol})
		case c == ',':
			adv(1)
			toks = append(toks, token{kind: tComma, raw: ",", col: startCol})
		case c == '=':
			n := 1
			if i+1 < len(src) && src[i+1] == '=' { // == is accepted as =
				n = 2
			}
			adv(n)
			toks = append(toks, token{kind: tOp, text: "=", raw: src[start:i], col: startCol})
		case c == '!':
			if i+1 < len(src) && src[i+1] == '=' {
				adv(2)
				toks = append(toks, token{kind: tOp, text: "!=", raw: "!=", col: startCol})
				continue
			}
			return nil, &Error{Column: startCol, Msg: "unexpected character '!' (did you mean '!=' or NOT?)"}
		case c == '<':
			op := "<"
			if i+1 < len(src) && (src[i+1] == '=' || src[i+1] == '>') {
				op = src[i : i+2]
			}
			adv(len(op))
			text := op
			if op == "<>" {
				text = "!="
			}
			toks = append(toks, token{kind: tOp, text: text, raw: op, col: startCol})
		case c == '>':
			op := ">"
			if i+1 < len(src) && src[i+1] == '=' {
				op = ">="
			}
			adv(len(op))
			toks = append(toks, token{kind: tOp, text: op, raw: op, col: startCol})
		case c == '\'':
			var b strings.Builder
			adv(1)
			closed := false
			for i < len(src) {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						b.WriteByte('\'')
						adv(2)
						continue
					}
					adv(1)
					closed = true
					break
				}
				_, n := utf8.DecodeRuneInString(src[i:])
				b.WriteString(src[i : i+n])
				adv(n)
			}
			if !closed {
				return nil, &Error{Column: startCol, Msg: "unterminated string literal"}
			}
			toks = append(toks, token{kind: tString, text: b.String(), raw: src[start:i], col: startCol})
		case c == '"':
			adv(1)
			j := strings.IndexByte(src[i:], '"')
			if j < 0 {
				return nil, &Error{Column: startCol, Msg: "unterminated quoted column name"}
			}
			name := src[i : i+j]
			adv(j + 1)
			if name == "" {
				return nil, &Error{Column: startCol, Msg: "empty quoted column name"}
			}
			toks = append(toks, token{kind: tIdent, text: name, raw: src[start:i], col: startCol})
		case isDigit(c) || c == '.' || ((c == '-' || c == '+') && i+1 < len(src) && (isDigit(src[i+1]) || src[i+1] == '.')):
			j := i + 1
			for j < len(src) && (isDigit(src[j]) || src[j] == '.' || src[j] == 'e' || src[j] == 'E' ||
				((src[j] == '-' || src[j] == '+') && (src[j-1] == 'e' || src[j-1] == 'E'))) {
				j++
			}
			raw := src[i:j]
			if _, err := strconv.ParseFloat(raw, 64); err != nil {
				return nil, &Error{Column: startCol, Msg: fmt.Sprintf("malformed number %s", raw)}
			}
			adv(j - i)
			toks = append(toks, token{kind: tNumber, text: raw, raw: raw, col: startCol})
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			word := src[i:j]
			adv(j - i)
			if k, ok := keywords[strings.ToUpper(word)]; ok {
				toks = append(toks, token{kind: k, text: strings.ToUpper(word), raw: word, col: startCol})
			} else {
				toks = append(toks, token{kind: tIdent, text: word, raw: word, col: startCol})
			}
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			msg := fmt.Sprintf("unexpected character %q", r)
			if r == '‘' || r == '’' || r == '“' || r == '”' || r == '＇' {
				msg += " (string literals use ASCII single quotes)"
			}
			return nil, &Error{Column: startCol, Msg: msg}
		}
	}
	toks = append(toks, token{kind: tEOF, col: col})
	return toks, nil
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
