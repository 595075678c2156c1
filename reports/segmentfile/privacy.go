package segmentfile

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Identifier kinds, the values of Options.Identifiers and DefaultIdentifiers.
const (
	KindPhone      = "phone"       // masked +86138****5678, hashed
	KindEmail      = "email"       // masked a***e@example.com, hashed
	KindName       = "name"        // masked 张**, in hash mode too
	KindCustomerID = "customer_id" // kept in mask mode, hashed
	KindExternalID = "external_id" // member card, openid...: masked 12****89, hashed
)

// DefaultIdentifiers classifies the identifier columns of the customer tags
// and golden-record tables. Columns not listed are exported as they are.
var DefaultIdentifiers = map[string]string{
	"phone":         KindPhone,
	"mobile":        KindPhone,
	"email":         KindEmail,
	"name":          KindName,
	"nickname":      KindName,
	"customer_name": KindName,
	"customer_id":   KindCustomerID,
	"member_card":   KindExternalID,
	"buyer_id":      KindExternalID,
	"openid":        KindExternalID,
	"unionid":       KindExternalID,
	"device_id":     KindExternalID,
}

// Privacy modes, the values of Options.Privacy.
const (
	PrivacyNone = "none"
	PrivacyMask = "mask"
	PrivacyHash = "hash"
)

// transform returns the function applied to the non-null values of an
// identifier column of the given kind under the given privacy mode, or nil
// when the column is exported as it is.
func transform(kind, mode string, salt []byte, region string) func(string) string {
	switch mode {
	case PrivacyMask:
		switch kind {
		case KindPhone: // mask the E.164 form: 138 1234 5678 -> +86138****5678
			return func(v string) string { return MaskPhone(NormalizeIdentifier(kind, v, region)) }
		case KindEmail:
			return func(v string) string { return MaskEmail(NormalizeIdentifier(kind, v, region)) }
		case KindName:
			return MaskName
		case KindExternalID:
			return MaskID
		}
	case PrivacyHash:
		switch kind {
		case KindName:
			return MaskName
		case KindPhone, KindEmail, KindCustomerID, KindExternalID:
			return func(v string) string { return HashIdentifier(salt, kind, v, region) }
		}
	}
	return nil
}

func stars(n int) string { return strings.Repeat("*", n) }

// MaskPhone keeps the country code and the first digits of a phone number
// and its last four digits and hides the four before them:
// "+8613812345678" → "+86138****5678", "13812345678" → "138****5678".
// Numbers of 5 to 7 characters keep the first and the last two; shorter
// ones are hidden entirely.
func MaskPhone(s string) string {
	r := []rune(strings.TrimSpace(s))
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n >= 8:
		return string(r[:n-8]) + "****" + string(r[n-4:])
	case n >= 5:
		return string(r[:1]) + stars(n-3) + string(r[n-2:])
	}
	return stars(n)
}

// MaskEmail keeps the first and last character of the local part and the
// domain: "alice@example.com" → "a***e@example.com". The local part always
// shows three stars, so its length is not revealed ("ab@x.cn" →
// "a***@x.cn"). A value without '@' is masked like a name.
func MaskEmail(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return MaskName(s)
	}
	local := []rune(s[:at])
	var m string
	switch len(local) {
	case 1:
		m = "***"
	case 2:
		m = string(local[:1]) + "***"
	default:
		m = string(local[:1]) + "***" + string(local[len(local)-1:])
	}
	return m + s[at:]
}

// MaskName keeps the first character of a name and replaces each of the
// others by a star: "张三丰" → "张**", "Alice Smith" → "A**********". A
// one-character name becomes "*".
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n <= 1 {
		return stars(n)
	}
	first, _ := utf8.DecodeRuneInString(s)
	return string(first) + stars(n-1)
}

// MaskID keeps the first two and last two characters of an identifier
// (member card, openid, ...): "M123456789" → "M1******89". Identifiers of
// four characters or fewer are hidden entirely.
func MaskID(s string) string {
	r := []rune(strings.TrimSpace(s))
	n := len(r)
	if n <= 4 {
		return stars(n)
	}
	return string(r[:2]) + stars(n-4) + string(r[n-2:])
}

// NormalizeIdentifier returns the form of v that is hashed (and masked):
//
//   - phones: full-width digits folded, separators (space, - . / ( ))
//     dropped; Chinese mobiles written 13812345678, 86 138..., 0086 138...
//     or +86 138... become "+8613812345678"; other numbers with a '+' keep
//     it ("+12025550123"), without one they are their digits. A value with
//     other characters is only trimmed.
//   - emails: trimmed, a leading "mailto:" removed, lower-cased.
//   - other identifiers: trimmed.
//
// Golden-record values are already in these forms (E.164 phones,
// lower-case emails), so hashes made here match hashes of the stitched
// identifiers; region is accepted for numbers without a country code and
// only "CN" (the default when empty) is interpreted.
func NormalizeIdentifier(kind, v, region string) string {
	v = strings.TrimSpace(v)
	switch kind {
	case KindPhone:
		return normPhone(v, region)
	case KindEmail:
		v = strings.ToLower(v)
		return strings.TrimSpace(strings.TrimPrefix(v, "mailto:"))
	}
	return v
}

func normPhone(v, region string) string {
	var d []byte
	plus := false
	for _, r := range v {
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == '＋':
			r = '+'
		case r == '－' || r == '（' || r == '）' || r == '　':
			continue
		}
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case r == '+' && len(d) == 0 && !plus:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == '(' || r == ')' || r == '\t':
		default:
			return v // not a phone number: hash as written
		}
	}
	mobile := func(m []byte) bool { return len(m) == 11 && m[0] == '1' && m[1] >= '3' && m[1] <= '9' }
	switch {
	case plus:
		return "+" + string(d)
	case (region == "" || strings.EqualFold(region, "CN")) && mobile(d):
		return "+86" + string(d)
	case len(d) == 13 && string(d[:2]) == "86" && mobile(d[2:]):
		return "+" + string(d)
	case len(d) == 15 && string(d[:4]) == "0086" && mobile(d[4:]):
		return "+" + string(d[2:])
	}
	return string(d)
}

// HashIdentifier returns the lower-case hex SHA-256 of salt followed by the
// normalised value (see NormalizeIdentifier), so the same person hashes the
// same in every export made with the same salt.
func HashIdentifier(salt []byte, kind, v, region string) string {
	norm := NormalizeIdentifier(kind, v, region)
	var stack [128]byte
	buf := append(append(stack[:0], salt...), norm...)
	sum := sha256.Sum256(buf)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// SafeCell neutralises spreadsheet formula injection: a text value starting
// with =, +, -, @, tab or carriage return is prefixed with a single quote so
// spreadsheet programs show it as text instead of evaluating it. It is the
// same rule as reports.SafeCell, repeated here so that writing segment
// files does not depend on the reports package. Phones in E.164 start with
// '+', so a phone exported in clear to CSV or XLSX reads "'+8613812345678";
// that is expected. Parquet files hold typed data and are not altered.
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
