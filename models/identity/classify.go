package identity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// PhoneTypeNames are the phone number types of Config.LinkPhoneTypes, in
// the order of phonenumbers.PhoneNumberType.
var PhoneTypeNames = []string{
	phonenumbers.FIXED_LINE:           "fixed_line",
	phonenumbers.MOBILE:               "mobile",
	phonenumbers.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
	phonenumbers.TOLL_FREE:            "toll_free",
	phonenumbers.PREMIUM_RATE:         "premium_rate",
	phonenumbers.SHARED_COST:          "shared_cost",
	phonenumbers.VOIP:                 "voip",
	phonenumbers.PERSONAL_NUMBER:      "personal_number",
	phonenumbers.PAGER:                "pager",
	phonenumbers.UAN:                  "uan",
	phonenumbers.VOICEMAIL:            "voicemail",
	phonenumbers.UNKNOWN:              "unknown",
}

// rules are the checked and defaulted rule settings of a Config.
type rules struct {
	maxNames, maxPerDay, maxStores int // -1: disabled
	purchase                       []string
	linkPhone                      []bool // by phonenumbers.PhoneNumberType
	aliases                        map[string]idType
	fallback                       idType
	pats                           []pattern
	patFor                         [numTypes]bool // a pattern applies to the type
}

// maxNamesLimit bounds Config.MaxNames: the names rule keeps MaxNames+1
// name hashes per identifier.
const maxNamesLimit = 250

func defaultInt(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

func newRules(cfg Config, pats []pattern) (rules, error) {
	r := rules{
		maxNames:  defaultInt(cfg.MaxNames, DefaultMaxNames),
		maxPerDay: defaultInt(cfg.MaxOrdersPerDay, DefaultMaxOrdersPerDay),
		maxStores: defaultInt(cfg.MaxStoresPerMonth, DefaultMaxStoresPerMonth),
		purchase:  cfg.PurchaseTables,
		linkPhone: make([]bool, len(PhoneTypeNames)),
		pats:      pats,
	}
	if r.maxNames > maxNamesLimit {
		return r, fmt.Errorf("identity: max names %d is above %d", r.maxNames, maxNamesLimit)
	}
	if len(r.purchase) == 0 {
		r.purchase = DefaultPurchaseTables
	}
	link := cfg.LinkPhoneTypes
	if len(link) == 0 {
		link = DefaultLinkPhoneTypes
	}
	for _, name := range link {
		i := phoneTypeByName(name)
		if i < 0 {
			return r, fmt.Errorf("identity: link phone type %q is not one of %s", name, strings.Join(PhoneTypeNames, ", "))
		}
		r.linkPhone[i] = true
	}
	fb := cfg.UntypedFallback
	if fb == "" {
		fb = DefaultUntypedFallback
	}
	var ok bool
	if r.fallback, ok = typeByName(fb); !ok {
		return r, fmt.Errorf("identity: untyped fallback %q is not one of %s", fb, strings.Join(IDTypes, ", "))
	}
	r.aliases = map[string]idType{}
	for _, n := range IDTypes {
		t, _ := typeByName(n)
		r.aliases[n] = t
	}
	for k, v := range cfg.TypeAliases {
		t, ok := typeByName(strings.ToLower(strings.TrimSpace(v)))
		if !ok {
			return r, fmt.Errorf("identity: type alias %q: %q is not one of %s", k, v, strings.Join(IDTypes, ", "))
		}
		r.aliases[strings.ToLower(strings.TrimFunc(k, isTrim))] = t
	}
	for _, p := range pats {
		for t := range r.patFor {
			if p.typ < 0 || p.typ == t {
				r.patFor[t] = true
			}
		}
	}
	return r, nil
}

func phoneTypeByName(name string) int {
	name = strings.ToLower(strings.TrimSpace(name))
	for i, n := range PhoneTypeNames {
		if n == name {
			return i
		}
	}
	return -1
}

// declaredType resolves a declared identifier type (a type name or an
// alias, any case): false when it is empty or unknown.
func (r *rules) declaredType(declared string) (idType, bool) {
	if t, ok := r.aliases[declared]; ok {
		return t, true
	}
	t, ok := r.aliases[strings.ToLower(strings.TrimFunc(declared, isTrim))]
	return t, ok
}

// appendClassified appends the key (type byte + normalised value) of an
// identifier with a declared type that may be empty, an alias or unknown.
// A known type is normalised as that type. Otherwise the value is
// classified by the normalisers themselves: a valid phone is a phone, else
// a valid email is an email, else it is of the fallback type. It returns
// the type and whether the value is valid for it.
func (r *rules) appendClassified(dst []byte, raw, declared, region string, pc *phoneCache) ([]byte, idType, bool) {
	start := len(dst)
	if t, ok := r.declaredType(declared); ok {
		out, ok := appendNormalized(append(dst, byte(t)), t, raw, region, pc)
		if !ok {
			return dst[:start], t, false
		}
		return out, t, true
	}
	if out, ok := appendPhone(append(dst, byte(tPhone)), raw, region, pc); ok {
		return out, tPhone, true
	}
	if out, ok := appendEmail(append(dst[:start], byte(tEmail)), raw); ok {
		return out, tEmail, true
	}
	out, ok := appendNormalized(append(dst[:start], byte(r.fallback)), r.fallback, raw, region, pc)
	if !ok {
		return dst[:start], r.fallback, false
	}
	return out, r.fallback, true
}

// Classify returns the type and normalised value of an identifier as
// Stitch reads the untyped identifier column: declared is its declared
// type (a name of IDTypes, a key of cfg.TypeAliases, or empty). A value
// with a known type is normalised as that type; otherwise a value that
// normalises to a valid phone is a phone, else one that normalises to a
// valid email is an email, else it is of cfg.UntypedFallback. ok is false
// when the value is not valid for the type it gets (idType is then that
// type), or when cfg is invalid.
func Classify(raw, declared string, cfg Config) (idType, value string, ok bool) {
	r, err := newRules(cfg, nil)
	if err != nil {
		return "", "", false
	}
	var buf [64]byte
	out, t, ok := r.appendClassified(buf[:0], raw, declared, normRegion(cfg.DefaultRegion), nil)
	if !ok {
		return t.String(), "", false
	}
	return t.String(), string(out[1:]), true
}

// sharedOn reports whether the names or a velocity rule is on.
func (r *rules) sharedOn() bool { return r.maxNames >= 0 || r.velocityOn() }

func (r *rules) velocityOn() bool { return r.maxPerDay >= 0 || r.maxStores >= 0 }

// flagsNeeded reports whether identifiers carry flags (patterns, names or
// velocity rules).
func (r *rules) flagsNeeded() bool {
	return r.sharedOn() || slices.Contains(r.patFor[:], true)
}

// identifierFlags returns the flags of local identifier l of a read shard:
// fHit, fMultiName, and fVelocity when its purchases may break a velocity
// rule (more than MaxOrdersPerDay in one day bucket, or more than
// MaxStoresPerMonth in all in two stores or more).
func (r *rules) identifierFlags(sh *readShard, l int32) uint8 {
	rs := sh.st[l].rule
	out := rs.flags & (fHit | fMultiName)
	total, busiest, saturated := 0, 0, false
	for _, d := range rs.days {
		total += int(d)
		busiest = max(busiest, int(d))
		saturated = saturated || d == 255
	}
	if (r.maxPerDay >= 0 && (busiest > r.maxPerDay || saturated)) ||
		(r.maxStores >= 0 && rs.flags&fMultiStore != 0 && (total > r.maxStores || saturated)) {
		out |= fVelocity
	}
	return out
}
