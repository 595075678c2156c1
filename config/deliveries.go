package config

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// FilterKeys are the keys a delivery recipient's filter may use, each with
// what it restricts. A scorecard copy honours every key listed here in
// every section (or leaves the section out with a note), so a key outside
// this list would be silently ignored and must be refused instead.
var FilterKeys = map[string]string{
	"region": "the region of the order (store region for receipts, shipping province's region for e-commerce orders) or of the customer",
}

// validateFilters checks the filter of every recipient: known keys, and
// values that are not empty, not padded and hold no control characters
// (the value is compared as is with the region names in the warehouse),
// and no two values of one key that would name one file: a filtered copy's
// files are named after its filter values, and two copies written to one
// path at once would leave one of them, or a mix.
func (v *validator) validateFilters(c *Config) {
	stems := map[string]string{} // key and file-name stem -> the first value seen

	known := make([]string, 0, len(FilterKeys))
	for k := range FilterKeys {
		known = append(known, k)
	}
	sort.Strings(known)
	for i, d := range c.Deliveries {
		for j, r := range d.Recipients {
			keys := make([]string, 0, len(r.Filter))
			for k := range r.Filter {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := fmt.Sprintf("$.deliveries[%d].recipients[%d].filter.%s", i, j, k)
				key := fmt.Sprintf("deliveries[%d].recipients[%d].filter.%s", i, j, k)
				if _, ok := FilterKeys[k]; !ok {
					v.fail(p, key, "unknown filter key %q: want one of %s", k, strings.Join(known, ", "))
					continue
				}
				val := r.Filter[k]
				switch {
				case val == "":
					v.fail(p, key, "empty value: a filter restricts to one value (leave the filter out for the whole scorecard)")
				case strings.TrimSpace(val) != val:
					v.fail(p, key, "value %q has leading or trailing spaces", val)
				case strings.ContainsFunc(val, unicode.IsControl):
					v.fail(p, key, "value %q holds a control character", val)
				default:
					stem := FileStem(val)
					id := k + "\x00" + stem
					if first, ok := stems[id]; ok && first != val {
						v.fail(p, key, "value %q and another recipient's %q would name the same files (%s): spell them the same or tell them apart by more than case and punctuation", val, first, stem)
					} else if !ok {
						stems[id] = val
					}
				}
			}
		}
	}
}

// validateRegions checks the province lists of regions: names not empty,
// and no province in two regions (an e-commerce order's region is the one
// whose province its shipping province or address starts with, so a
// province listed twice would have two). Names compare case-insensitively.
func (v *validator) validateRegions(c *Config) {
	regions := make([]string, 0, len(c.Regions))
	for r := range c.Regions {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	seen := map[string]string{}
	for _, r := range regions {
		p := "$.regions." + r
		if strings.TrimSpace(r) == "" {
			v.fail("$.regions", "regions", "empty region name")
		}
		for i, prov := range c.Regions[r] {
			key := fmt.Sprintf("regions.%s[%d]", r, i)
			k := strings.ToLower(strings.TrimSpace(prov))
			switch {
			case k == "":
				v.fail(p, key, "empty province")
			case seen[k] != "" && seen[k] != r:
				v.fail(p, key, "province %q is also in region %s", prov, seen[k])
			default:
				seen[k] = r
			}
		}
	}
}

// FileStem is the part of a file name a value gives (a filter value in a
// scorecard's file names, a recipient in a message's): lower case, letters
// (of any script), digits and '_' kept, every other run of characters one
// '-', "x" when nothing is left. reports names its files with it, so the
// collision check above sees the names publish writes.
func FileStem(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	if out := strings.Trim(b.String(), "-"); out != "" {
		return out
	}
	return "x"
}
