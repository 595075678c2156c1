package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// FormatValue formats v for display in unit u: money with two decimals and
// thousands separators, counts rounded with separators, pct (a fraction) as
// a percentage with one decimal, ratio with two decimals, days with one
// decimal and " d". NaN and ±Inf are shown as "–".
func FormatValue(v float64, u Unit) string {
	if !finite(v) {
		return "–"
	}
	switch u {
	case UnitMoney:
		return Money(v)
	case UnitCount:
		return groupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	case UnitPct:
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	case UnitRatio:
		return groupThousands(strconv.FormatFloat(v, 'f', 2, 64))
	case UnitDays:
		return groupThousands(strconv.FormatFloat(v, 'f', 1, 64)) + " d"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return groupThousands(strconv.FormatFloat(v, 'f', 0, 64))
	}
	return groupThousands(strconv.FormatFloat(v, 'f', 2, 64))
}

// FormatDelta formats a KPI change with an explicit sign: for pct KPIs in
// percentage points ("+2.1 pp"), otherwise in the KPI's unit ("+1,234.00").
func FormatDelta(d float64, u Unit) string {
	if !finite(d) {
		return "–"
	}
	sign := "+"
	if d < 0 {
		sign = "-"
		d = -d
	} else if d == 0 {
		sign = "±"
	}
	if u == UnitPct {
		return sign + strconv.FormatFloat(d*100, 'f', 1, 64) + " pp"
	}
	return sign + FormatValue(d, u)
}

// FormatPct formats a fraction as a signed percentage with one decimal
// ("+12.3%", "-4.0%").
func FormatPct(f float64) string {
	if !finite(f) {
		return "–"
	}
	s := strconv.FormatFloat(f*100, 'f', 1, 64)
	if f >= 0 {
		s = "+" + s
	}
	return s + "%"
}

// FormatCell formats one table cell for display (HTML and text) according
// to its column unit.
func FormatCell(v any, u Unit) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return FormatValue(x, u)
	case float32:
		return FormatValue(float64(x), u)
	case int:
		return FormatValue(float64(x), u)
	case int64:
		return FormatValue(float64(x), u)
	case int32:
		return FormatValue(float64(x), u)
	case time.Time:
		return formatTime(x, u)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// isNumericCell reports whether a cell value is a number (right-aligned).
func isNumericCell(v any) bool {
	switch v.(type) {
	case float64, float32, int, int64, int32:
		return true
	}
	return false
}

func formatTime(t time.Time, u Unit) string {
	if t.IsZero() {
		return ""
	}
	if u == UnitDate || (t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0) {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04")
}

// groupThousands inserts thousands separators into a formatted decimal.
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString(frac)
	return b.String()
}

// displayWidth approximates the terminal / spreadsheet width of s: East
// Asian wide and full-width characters count 2.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if isWide(r) {
			w += 2
		} else {
			w++
		}
	}
	return w
}

func isWide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115f || r == 0x2329 || r == 0x232a ||
		(r >= 0x2e80 && r <= 0xa4cf && r != 0x303f) ||
		(r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe30 && r <= 0xfe4f) ||
		(r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) ||
		(r >= 0x20000 && r <= 0x3fffd))
}
