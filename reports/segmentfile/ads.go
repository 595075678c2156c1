package segmentfile

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PrivacyAds is the privacy mode of a segment uploaded to an ad platform
// for matching (Options.Platform names it): the file holds only the
// customer key and the identifiers in the hashed form the platform
// documents, unsalted so the platform can match them.
const PrivacyAds = "ads"

// Platform says how one ad platform wants identifiers normalised and
// hashed for audience matching, as its documentation describes.
type Platform struct {
	// Name as written in config (privacy.platform) and in the file name.
	Name string
	// EmailHash is "sha256", "md5" or "" (the platform takes no email).
	EmailHash string
	// PhoneHash is "sha256" or "md5".
	PhoneHash string
	// email and phone turn a normalised identifier (lower-case email,
	// E.164 phone "+8613812345678") into the string that is hashed, or ""
	// when the platform cannot match it.
	email func(string) string
	phone func(string) string
}

// Platforms are the ad platforms segment files can be prepared for.
//
//   - google (Customer Match): email trimmed and lower-cased, periods
//     before @gmail.com / @googlemail.com removed; phone in E.164 with '+';
//     SHA-256 hex.
//   - meta (Custom Audiences): email trimmed and lower-cased; phone as
//     digits with the country code, no '+'; SHA-256 hex.
//   - tiktok (Custom Audience): email trimmed and lower-cased; phone in
//     E.164 with '+'; SHA-256 hex.
//   - tencent (腾讯广告 customer file): mainland mobile numbers as the 11
//     national digits, MD5 hex; no email.
var Platforms = map[string]Platform{
	"google":  {Name: "google", EmailHash: "sha256", PhoneHash: "sha256", email: gmailDots, phone: e164},
	"meta":    {Name: "meta", EmailHash: "sha256", PhoneHash: "sha256", email: plainEmail, phone: e164Digits},
	"tiktok":  {Name: "tiktok", EmailHash: "sha256", PhoneHash: "sha256", email: plainEmail, phone: e164},
	"tencent": {Name: "tencent", PhoneHash: "md5", phone: cnMobile},
}

// PlatformNames lists Platforms sorted.
func PlatformNames() []string {
	var out []string
	for n := range Platforms {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func plainEmail(s string) string {
	if at := strings.LastIndexByte(s, '@'); at <= 0 || at == len(s)-1 {
		return ""
	}
	return s
}

func gmailDots(s string) string {
	s = plainEmail(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return ""
	}
	switch s[at+1:] {
	case "gmail.com", "googlemail.com":
		return strings.ReplaceAll(s[:at], ".", "") + s[at:]
	}
	return s
}

// e164 keeps a phone number that NormalizeIdentifier put in E.164 form
// ('+', 8 to 15 digits); a number without its country code cannot be
// matched.
func e164(s string) string {
	if !strings.HasPrefix(s, "+") || len(s) < 9 || len(s) > 16 {
		return ""
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return s
}

func e164Digits(s string) string { return strings.TrimPrefix(e164(s), "+") }

func cnMobile(s string) string {
	s = e164(s)
	if !strings.HasPrefix(s, "+86") || len(s) != 14 {
		return ""
	}
	return s[3:]
}

// PlatformHash returns the form of an email or phone (kind KindEmail or
// KindPhone) that platform p matches on: normalised as NormalizeIdentifier
// does with region, then as p documents, then hashed, lower-case hex; ""
// when the value cannot be matched (no country code, not an email) or p
// takes no such identifier.
func PlatformHash(p Platform, kind, v, region string) string {
	norm := NormalizeIdentifier(kind, v, region)
	var s, algo string
	switch kind {
	case KindEmail:
		if p.email == nil {
			return ""
		}
		s, algo = p.email(norm), p.EmailHash
	case KindPhone:
		s, algo = p.phone(norm), p.PhoneHash
	}
	if s == "" {
		return ""
	}
	if algo == "md5" {
		sum := md5.Sum([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// AdsColumns are the columns of a segment file for platform p: the
// customer key, then the hashed email (when p takes one) and phone, each
// named after its hash ("email_sha256", "phone_md5").
func AdsColumns(p Platform) []string {
	cols := []string{"customer_key"}
	if p.EmailHash != "" {
		cols = append(cols, "email_"+p.EmailHash)
	}
	return append(cols, "phone_"+p.PhoneHash)
}

// adsRecords builds the rows of an ads-mode file from the segment's
// batches: customer_key is HashIdentifier(salt, customer_id) — the same
// salted key as hash mode, which joins back to customers inside the
// company (sha256(salt || customer_id) in SQL) and means nothing outside
// it — and the identifiers in the platform's hashed forms. Every other
// column is left out: the file leaves the company.
func adsRecords(recs []arrow.RecordBatch, opts Options) ([]arrow.RecordBatch, error) {
	p, ok := Platforms[opts.Platform]
	if !ok {
		return nil, fmt.Errorf("segmentfile: unknown ad platform %q (want one of %s)", opts.Platform, strings.Join(PlatformNames(), ", "))
	}
	ids := opts.Identifiers
	if ids == nil {
		ids = DefaultIdentifiers
	}
	region := opts.Region
	cols := AdsColumns(p)
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	var out []arrow.RecordBatch
	for _, rec := range recs {
		find := func(kind string) int {
			for i, f := range rec.Schema().Fields() {
				if ids[f.Name] == kind {
					return i
				}
			}
			return -1
		}
		idCol, emailCol, phoneCol := find(KindCustomerID), find(KindEmail), find(KindPhone)
		if idCol < 0 {
			return nil, fmt.Errorf("segmentfile: ads file for %s: the segment has no customer_id column", p.Name)
		}
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := 0; i < int(rec.NumRows()); i++ {
			col := 0
			val := func(c int) string {
				if c < 0 || rec.Column(c).IsNull(i) {
					return ""
				}
				return strings.TrimSpace(cellString(rec.Column(c), i))
			}
			put := func(s string) {
				sb := b.Field(col).(*array.StringBuilder)
				if s == "" {
					sb.AppendNull()
				} else {
					sb.Append(s)
				}
				col++
			}
			id := val(idCol)
			if id == "" {
				put("")
			} else {
				put(HashIdentifier(opts.Salt, KindCustomerID, id, region))
			}
			if p.EmailHash != "" {
				if e := val(emailCol); e != "" {
					put(PlatformHash(p, KindEmail, e, region))
				} else {
					put("")
				}
			}
			if ph := val(phoneCol); ph != "" {
				put(PlatformHash(p, KindPhone, ph, region))
			} else {
				put("")
			}
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out, nil
}
