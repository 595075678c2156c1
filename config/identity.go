package config

import (
	"fmt"
	"slices"
	"strings"
)

// IdentityRules are the identity settings for shared identifiers and
// identifier types (inlined in the identity section). Zero values mean the
// defaults of models/identity.Config, which documents each rule.
type IdentityRules struct {
	// MaxNames: a phone, email or device seen with more than this many
	// distinct names does not link (default 3; negative disables).
	MaxNames int `yaml:"max_names"`
	// MaxOrdersPerDay and MaxStoresPerMonth are the velocity rules
	// (defaults 10 and 6; negative disables).
	MaxOrdersPerDay   int `yaml:"max_orders_per_day"`
	MaxStoresPerMonth int `yaml:"max_stores_per_month"`
	// LinkPhoneTypes lists the phone number types that link (default
	// mobile and fixed_line_or_mobile).
	LinkPhoneTypes []string `yaml:"link_phone_types"`
	// TypeAliases maps declared identifier types to identifier types, e.g.
	// {mobile: phone, 手机: phone, 邮箱: email}.
	TypeAliases map[string]string `yaml:"type_aliases"`
	// UntypedFallback is the type of an untyped identifier that is neither
	// a phone nor an email (default member_card).
	UntypedFallback string `yaml:"untyped_fallback"`
}

// IdentifierTypes are the identifier types (models/identity.IDTypes; this
// package is a leaf and cannot import it).
var IdentifierTypes = []string{"phone", "email", "member_card", "buyer_id", "openid", "unionid", "device_id"}

// PhoneTypes are the phone number types of identity.link_phone_types
// (models/identity.PhoneTypeNames).
var PhoneTypes = []string{"fixed_line", "mobile", "fixed_line_or_mobile", "toll_free", "premium_rate", "shared_cost",
	"voip", "personal_number", "pager", "uan", "voicemail", "unknown"}

// applyIdentity checks the identity rules and hands the type aliases to
// every source.
func (c *Config) applyIdentity(v *validator) {
	r := c.Identity.IdentityRules
	for i := range c.Sources {
		c.Sources[i].IdentifierTypeAliases = c.IdentifierTypeAliases()
	}
	if r.MaxNames > 250 {
		v.fail("$.identity.max_names", "identity.max_names", "must be at most 250")
	}
	for i, t := range r.LinkPhoneTypes {
		if !slices.Contains(PhoneTypes, strings.ToLower(strings.TrimSpace(t))) {
			v.fail(fmt.Sprintf("$.identity.link_phone_types[%d]", i), fmt.Sprintf("identity.link_phone_types[%d]", i),
				"%q is not one of %s", t, strings.Join(PhoneTypes, ", "))
		}
	}
	keys := make([]string, 0, len(r.TypeAliases))
	for k := range r.TypeAliases {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if t := r.TypeAliases[k]; !slices.Contains(IdentifierTypes, strings.ToLower(strings.TrimSpace(t))) {
			v.fail("$.identity.type_aliases."+k, "identity.type_aliases."+k, "%q is not one of %s", t, strings.Join(IdentifierTypes, ", "))
		}
	}
	if f := r.UntypedFallback; f != "" && !slices.Contains(IdentifierTypes, f) {
		v.fail("$.identity.untyped_fallback", "identity.untyped_fallback", "%q is not one of %s", f, strings.Join(IdentifierTypes, ", "))
	}
}

// IdentifierTypeAliases returns the declared identifier types that load
// as identifier types: identity.type_aliases with keys trimmed and
// lower-cased, values lower-cased. The loader stores a row's declared type
// as the type it stands for.
func (c *Config) IdentifierTypeAliases() map[string]string {
	m := map[string]string{}
	for k, v := range c.Identity.TypeAliases {
		m[strings.ToLower(strings.TrimSpace(k))] = strings.ToLower(strings.TrimSpace(v))
	}
	return m
}
