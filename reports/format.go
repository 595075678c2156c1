package reports

import (
	"math"
	"strconv"
	"strings"
)

// SafeCell neutralises spreadsheet formula injection: a text value starting
// with =, +, -, @, tab or carriage return is prefixed with a single quote so
// spreadsheet programs show it as text instead of evaluating it.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Money formats v with thousands separators and two decimals.
func Money(v float64) string {
	neg := v < 0
	v = math.Abs(v)
	s := strconv.FormatFloat(v, 'f', 2, 64)
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + frac
	if neg {
		out = "-" + out
	}
	return out
}
