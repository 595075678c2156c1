package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhone returns the phone number raw in E.164 form ("+8613812345678")
// and true, or "" and false when raw is not a usable phone number.
//
// Rules, in order:
//   - Full-width characters (as typed with a Chinese input method: "１３８",
//     "＋", "（", "－") are folded to ASCII first.
//   - The only characters allowed are digits, spaces, tabs, '-', '.', '/',
//     '(' and ')', and one leading '+' (it may follow an opening
//     parenthesis: "(+86)"). Anything else, letters in particular, makes the
//     value invalid (vanity numbers and "ext." suffixes are not accepted).
//   - Fast path for Chinese mobiles (1[3-9] followed by 9 digits): the
//     spellings 13812345678 (only when defaultRegion is "CN"), +86 138...,
//     86 138... (13 digits), 0086 138... (15 digits) and (+86)138... all
//     give "+86" + the 11 digits, without calling libphonenumber.
//   - Everything else (landlines such as 021-6234 5678, 400/800 service
//     numbers, foreign numbers written with their country code) is parsed by
//     github.com/nyaruka/phonenumbers with defaultRegion ("CN" when empty)
//     and must be a valid number for its region (IsValidNumber); it is
//     returned in E.164 with its country code. Too short or too long numbers
//     fail here. A number without a country code is read as a number of
//     defaultRegion, so a US number must be written with +1.
//
// Service numbers and shared landlines are valid phones here; whether they
// are junk is for the blocklist and the cap to decide (see Config).
func NormalizePhone(raw, defaultRegion string) (string, bool) {
	var buf [32]byte
	out, ok := appendPhone(buf[:0], raw, normRegion(defaultRegion), nil)
	if !ok {
		return "", false
	}
	return string(out), true
}

// NormalizeEmail trims raw (Unicode spaces, a leading "mailto:", trailing
// dots: "name@example.com." is "name@example.com"), folds full-width
// characters ("＠", "．") and ideographic full stops ("。") to ASCII and
// lower-cases it. It returns false unless the result
// looks like an address: one '@', a non-empty local part of at most 64 bytes
// with no spaces, quotes, brackets, commas or semicolons, and a domain of
// letters, digits, '-' and non-ASCII characters with at least one dot, no
// empty labels and a top-level label of at least two characters. Nothing
// else is rewritten (no removal of dots or "+tags": those can be different
// people on some providers).
func NormalizeEmail(raw string) (string, bool) {
	var buf [64]byte
	out, ok := appendEmail(buf[:0], raw)
	if !ok {
		return "", false
	}
	return string(out), true
}

// NormalizeID normalises a member card, buyer id, openid, unionid or device
// id: surrounding Unicode spaces and zero-width characters are trimmed and
// full-width characters folded to ASCII; case is kept (openids are case
// sensitive). It returns false for values that are not identifiers: empty
// values, placeholders ("null", "none", "n/a", "undefined", "unknown",
// "test", "未知", "无", "匿名", ...) and values made of one repeated
// character once separators are ignored ("0", "0000", "-----",
// "00000000-0000-0000-0000-000000000000", "xxxxxx").
//
// Buyer ids are expected as "<channel>:<id>"; Stitch lower-cases and trims
// the channel part and applies these rules to the id part (see
// NormalizeBuyerID).
func NormalizeID(raw string) (string, bool) {
	v, ok := normID(raw)
	if !ok {
		return "", false
	}
	return strings.Clone(v), true
}

// NormalizeBuyerID normalises a channel-scoped buyer id "<channel>:<id>": the
// channel is trimmed and lower-cased, the id normalised with NormalizeID. A
// value without ':' is normalised as a plain id.
func NormalizeBuyerID(raw string) (string, bool) {
	var buf [64]byte
	out, ok := appendBuyer(buf[:0], raw)
	if !ok {
		return "", false
	}
	return string(out), true
}

// Normalize normalises raw as an identifier of the given type (one of
// IDTypes). It returns false for an unknown type or an invalid value.
func Normalize(idType, raw, defaultRegion string) (string, bool) {
	t, ok := typeByName(idType)
	if !ok {
		return "", false
	}
	var buf [64]byte
	out, ok := appendNormalized(buf[:0], t, raw, normRegion(defaultRegion), nil)
	if !ok {
		return "", false
	}
	return string(out), true
}

func normRegion(r string) string {
	r = strings.TrimSpace(r)
	if r == "" {
		return "CN"
	}
	return strings.ToUpper(r)
}

// appendNormalized appends the normalised form of raw for type t to dst.
func appendNormalized(dst []byte, t idType, raw, region string, pc *phoneCache) ([]byte, bool) {
	switch t {
	case tPhone:
		return appendPhone(dst, raw, region, pc)
	case tEmail:
		return appendEmail(dst, raw)
	case tBuyer:
		return appendBuyer(dst, raw)
	default:
		v, ok := normID(raw)
		if !ok {
			return dst, false
		}
		return append(dst, v...), true
	}
}

// isBlank reports whether raw holds nothing but spaces: such a value is an
// absent identifier, not an invalid one.
func isBlank(raw string) bool {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			if c < utf8.RuneSelf {
				return false
			}
			return strings.TrimFunc(raw, isTrim) == ""
		}
	}
	return true
}

func isTrim(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' || r == '\u00a0'
}

// trimSpace is strings.TrimFunc(s, isTrim). A value that starts and ends
// with a printable ASCII character other than space, as nearly every
// identifier does, is returned without decoding runes: isTrim is false for
// those bytes. (Measured at 1M people: TrimFunc's rune decoding and
// indirect calls were a tenth of normalising.)
func trimSpace(s string) string {
	if n := len(s); n > 0 && s[0] > ' ' && s[0] < 0x7f && s[n-1] > ' ' && s[n-1] < 0x7f {
		return s
	}
	return strings.TrimFunc(s, isTrim)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldWidth maps full-width ASCII variants (U+FF01..U+FF5E) and the
// ideographic space to ASCII, and common dashes to '-'.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		case r == 0x2010 || r == 0x2011 || r == 0x2012 || r == 0x2013 || r == 0x2014 || r == 0x2212:
			return '-'
		}
		return r
	}, s)
}

// ---- phones ----

// phoneCache memoises the slow (libphonenumber) path within one Stitch call,
// keyed by region and the digits-only spelling, so a shared landline typed on
// a million receipts is parsed once.
type phoneCache struct {
	m map[string]string // "" = invalid
}

const phoneCacheMax = 1 << 20

func isMobileCN(d []byte) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

func appendPhone(dst []byte, raw, region string, pc *phoneCache) ([]byte, bool) {
	var dbuf [24]byte
	digits := dbuf[:0]
	plus := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if len(digits) == cap(digits) {
				return dst, false
			}
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/' || c == '\t':
		case c == '+':
			if plus || len(digits) > 0 {
				return dst, false
			}
			plus = true
		case c >= utf8.RuneSelf:
			folded := foldWidth(trimSpace(raw))
			if !isASCII(folded) {
				return dst, false
			}
			return appendPhone(dst, folded, region, pc)
		default:
			return dst, false
		}
	}
	n := len(digits)
	if n < 3 {
		return dst, false
	}
	// Fast path: Chinese mobiles.
	switch {
	case plus && n == 13 && digits[0] == '8' && digits[1] == '6' && isMobileCN(digits[2:]):
		return append(append(dst, "+86"...), digits[2:]...), true
	case !plus && n == 11 && region == "CN" && isMobileCN(digits):
		return append(append(dst, "+86"...), digits...), true
	case !plus && n == 13 && digits[0] == '8' && digits[1] == '6' && isMobileCN(digits[2:]):
		return append(append(dst, "+86"...), digits[2:]...), true
	case !plus && n == 15 && string(digits[:4]) == "0086" && isMobileCN(digits[4:]):
		return append(append(dst, "+86"...), digits[4:]...), true
	}
	// Slow path: libphonenumber on the cleaned spelling.
	var kbuf [40]byte
	key := append(kbuf[:0], region...)
	key = append(key, '|')
	if plus {
		key = append(key, '+')
	}
	key = append(key, digits...)
	if pc != nil {
		if v, ok := pc.m[string(key)]; ok {
			if v == "" {
				return dst, false
			}
			return append(dst, v...), true
		}
	}
	clean := string(key[len(region)+1:])
	res := ""
	if num, err := phonenumbers.Parse(clean, region); err == nil && phonenumbers.IsValidNumber(num) {
		res = phonenumbers.Format(num, phonenumbers.E164)
	}
	if pc != nil {
		if pc.m == nil {
			pc.m = make(map[string]string)
		}
		if len(pc.m) < phoneCacheMax {
			pc.m[string(key)] = res
		}
	}
	if res == "" {
		return dst, false
	}
	return append(dst, res...), true
}

// ---- emails ----

func appendEmail(dst []byte, raw string) ([]byte, bool) {
	s := trimSpace(raw)
	if !isASCII(s) {
		s = trimSpace(foldEmail(s))
	}
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = trimSpace(s[7:])
	}
	// a sentence's full stop typed after the address
	if n := len(s); n > 0 && (s[n-1] == '.' || s[n-1] >= utf8.RuneSelf || s[n-1] <= ' ') {
		s = strings.TrimRightFunc(s, func(r rune) bool { return r == '.' || isTrim(r) })
	}
	if len(s) < 6 || len(s) > 254 {
		return dst, false
	}
	start := len(dst)
	if isASCII(s) {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
	} else {
		dst = append(dst, strings.ToLower(s)...)
	}
	e := dst[start:]
	at := -1
	for i, c := range e {
		if c == '@' {
			if at >= 0 {
				return dst[:start], false
			}
			at = i
		}
	}
	if at < 1 || at > 64 || at >= len(e)-1 {
		return dst[:start], false
	}
	for _, c := range e[:at] {
		if c <= ' ' || c == 0x7f || c == '"' || c == ',' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')' || c == '[' || c == ']' || c == '\\' || c == ':' {
			return dst[:start], false
		}
	}
	dom := e[at+1:]
	dots, labelLen, lastLabel := 0, 0, 0
	for _, c := range dom {
		switch {
		case c == '.':
			if labelLen == 0 {
				return dst[:start], false
			}
			dots++
			labelLen = 0
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c >= utf8.RuneSelf:
		default:
			return dst[:start], false
		}
		labelLen++
		lastLabel = labelLen
	}
	if dots == 0 || labelLen == 0 || lastLabel < 2 {
		return dst[:start], false
	}
	return dst, true
}

// foldEmail is foldWidth with the ideographic full stops ("。", "｡") read
// as dots, as a Chinese input method types them in an address.
func foldEmail(s string) string {
	return foldWidth(strings.Map(func(r rune) rune {
		if r == 0x3002 || r == 0xFF61 {
			return '.'
		}
		return r
	}, s))
}

// ---- other ids ----

var placeholders = []string{
	"null", "nil", "none", "n/a", "na", "nan", "undefined", "unknown", "test",
	"#n/a", "(null)", "\\n", "empty", "default", "anonymous", "guest",
	"未知", "无", "匿名", "空",
}

// normID trims raw and rejects non-identifiers; the result may alias raw.
func normID(raw string) (string, bool) {
	s := trimSpace(raw)
	if s == "" {
		return "", false
	}
	if !isASCII(s) {
		s = trimSpace(foldWidth(s))
		if s == "" {
			return "", false
		}
	}
	if len(s) <= 12 {
		for _, p := range placeholders {
			if len(p) == len(s) && strings.EqualFold(p, s) {
				return "", false
			}
		}
	}
	if oneChar(s) {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return "", false
		}
	}
	return s, true
}

// oneChar reports whether s is junk made of one repeated character:
// (ignoring separators) only zeros, only punctuation, or only x/X/*/?/#.
// Repeated other digits or letters ("8888", "66", "7") are kept: lucky-number
// member cards and short platform ids exist.
func oneChar(s string) bool {
	var first rune = -1
	for _, r := range s {
		if r == '-' || r == ':' || r == '.' || r == '_' || r == ' ' || r == '/' {
			continue
		}
		if first < 0 {
			first = r
		} else if r != first {
			return false
		}
	}
	if first < 0 {
		return true
	}
	switch {
	case first == '0', first == 'x', first == 'X', first == '*', first == '?', first == '#':
		return true
	case unicode.IsLetter(first) || unicode.IsDigit(first):
		return false
	}
	return true
}

func appendBuyer(dst []byte, raw string) ([]byte, bool) {
	s := trimSpace(raw)
	i := strings.IndexByte(s, ':')
	if i < 0 {
		v, ok := normID(s)
		if !ok {
			return dst, false
		}
		return append(dst, v...), true
	}
	ch := trimSpace(s[:i])
	v, ok := normID(s[i+1:])
	if !ok || ch == "" {
		return dst, false
	}
	for j := 0; j < len(ch); j++ {
		c := ch[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, ':')
	return append(dst, v...), true
}
