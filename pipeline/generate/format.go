package generate

import (
	"strconv"
	"unicode/utf8"
)

// Times are handled as "local seconds": seconds since 1970-01-01 00:00:00
// in the generator's fixed zone (UTC+8, Asia/Shanghai has no DST), so a
// timestamp can be formatted without the time package.

// civil converts a day number (days since 1970-01-01) to a calendar date
// (H. Hinnant's algorithm).
func civil(z int64) (y, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mm := m + 9
	if m > 2 {
		mm = m - 3
	}
	doy := (153*mm+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseDay parses "YYYY-MM-DD" (trusted input) to a day number.
func parseDay(s string) int64 {
	y, _ := strconv.Atoi(s[0:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:10])
	return daysFromCivil(y, m, d)
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func append4(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func appendNoPad(dst []byte, v int) []byte {
	if v >= 10 {
		dst = append(dst, byte('0'+v/10))
	}
	return append(dst, byte('0'+v%10))
}

// time styles
const (
	tsStd     = iota // 2006-01-02 15:04:05
	tsSlash          // 2006/01/02 15:04:05
	tsPOS            // 2006/1/2 15:04:05
	tsRFC3339        // 2006-01-02T15:04:05+08:00
	tsShopify        // 2006-01-02 15:04:05 +0800
	tsDate           // 2006-01-02
)

// Go layouts matching the styles above (used in example.yaml and tests).
const (
	LayoutTmall   = "2006-01-02 15:04:05"
	LayoutShopify = "2006-01-02 15:04:05 -0700"
	LayoutJD      = "2006/01/02 15:04:05"
	LayoutPOS     = "2006/1/2 15:04:05"
	LayoutSocial  = "2006-01-02T15:04:05Z07:00"
	LayoutDate    = "2006-01-02"
)

// appendTS formats local seconds t in the given style.
func appendTS(dst []byte, t int64, style int) []byte {
	day := t / 86400
	sec := int(t - day*86400)
	y, m, d := civil(day)
	switch style {
	case tsPOS:
		dst = append4(dst, y)
		dst = append(dst, '/')
		dst = appendNoPad(dst, m)
		dst = append(dst, '/')
		dst = appendNoPad(dst, d)
	default:
		sep := byte('-')
		if style == tsSlash {
			sep = '/'
		}
		dst = append4(dst, y)
		dst = append(dst, sep)
		dst = append2(dst, m)
		dst = append(dst, sep)
		dst = append2(dst, d)
	}
	if style == tsDate {
		return dst
	}
	if style == tsRFC3339 {
		dst = append(dst, 'T')
	} else {
		dst = append(dst, ' ')
	}
	dst = append2(dst, sec/3600)
	dst = append(dst, ':')
	dst = append2(dst, sec/60%60)
	dst = append(dst, ':')
	dst = append2(dst, sec%60)
	switch style {
	case tsRFC3339:
		dst = append(dst, "+08:00"...)
	case tsShopify:
		dst = append(dst, " +0800"...)
	}
	return dst
}

// appendMoney formats cents as a decimal with two places.
func appendMoney(dst []byte, cents int64) []byte {
	if cents < 0 {
		dst = append(dst, '-')
		cents = -cents
	}
	dst = strconv.AppendInt(dst, cents/100, 10)
	c := int(cents % 100)
	return append(dst, '.', byte('0'+c/10), byte('0'+c%10))
}

// pad formats v in decimal, left-padded with zeros to width.
func pad(v uint64, width int) string {
	var b [24]byte
	return string(appendPad(b[:0], v, width))
}

func appendPad(dst []byte, v uint64, width int) []byte {
	var b [24]byte
	s := strconv.AppendUint(b[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendCSV appends one CSV field, quoting it when needed (RFC 4180).
func appendCSV(dst []byte, s string) []byte {
	need := false
	if len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		need = true
	}
	if !need {
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case ',', '"', '\r', '\n':
				need = true
			}
		}
	}
	if !need {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// appendJSONString appends s as a JSON string; non-ASCII is kept as UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		dst = append(dst, s[i:i+n]...)
		i += n
	}
	return append(dst, '"')
}
