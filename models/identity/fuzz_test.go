package identity

import (
	"testing"
	"unicode/utf8"
)

// FuzzClassify: classifying never panics, a value classified as a type is
// valid for it, and normalising the result again as that type gives it
// back (normalisation is idempotent, so a normalised value in a later
// export is the same identifier).
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"186.0500.8751", "１８６０５００８７５１", "Lin@Example.com.", "lin＠example。com", "VIP-0042",
		"null", "+1 202 555 0123", "021-62881234", "mailto: a@b.cn ", "4008208820", "x@y", "(+86)138-1234-5678"} {
		f.Add(s, "")
		f.Add(s, "mobile")
	}
	cfg := Config{TypeAliases: map[string]string{"mobile": "phone"}}
	f.Fuzz(func(t *testing.T, raw, declared string) {
		typ, v, ok := Classify(raw, declared, cfg)
		if _, known := typeByName(typ); !known {
			t.Fatalf("Classify(%q, %q): unknown type %q", raw, declared, typ)
		}
		if !ok {
			return
		}
		again, ok2 := Normalize(typ, v, "")
		if !ok2 || again != v {
			t.Fatalf("Classify(%q, %q) = %s %q; normalised again: %q, %v", raw, declared, typ, v, again, ok2)
		}
	})
}

// FuzzNameHash: never panics; a name and its upper-cased, spaced-out
// spelling are one name.
func FuzzNameHash(f *testing.F) {
	for _, s := range []string{"张伟", "Zhang Wei", "张*", "", "ＡＢＣ", "未知"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		h, ok := nameHash(name)
		if !ok || !utf8.ValidString(name) || len(name) > 40 {
			return
		}
		spaced := ""
		for _, r := range name {
			spaced += string(r) + " "
		}
		if h2, ok2 := nameHash(spaced); !ok2 || h2 != h {
			t.Fatalf("nameHash(%q) = %d, nameHash(%q) = %d, %v", name, h, spaced, h2, ok2)
		}
	})
}
