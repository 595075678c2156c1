package segment

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzCompile feeds arbitrary definitions to the parser and compiler. A
// definition either fails with an *Error whose column lies within the
// definition, or compiles; then its canonical form compiles to the same
// canonical form and selects the same rows of the hand-built batch.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"rfm_tier = 'dormant' AND region = '华东'",
		"clv_decile <= 2 AND NOT contacted_90d",
		"(aipl_stage IN ('I','P') OR social_engaged) AND last_purchase_days > 180",
		"first_channel <> 'pos' OR region IS NULL",
		"name = 'O''Brien'",
		"clv >= 1e3 AND clv < -2.5e-1",
		"NOT NOT (social_engaged)",
		"region IS NOT NULL AND rfm_tier NOT IN ('active')",
	} {
		f.Add(s)
	}
	rec := handBatch(f)
	defer rec.Release()
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src, TagSchema)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not a *segment.Error", err, err)
			}
			if n := utf8.RuneCountInString(src); se.Column < 1 || se.Column > n+1 {
				t.Fatalf("error column %d outside the definition (%d characters): %v", se.Column, n, err)
			}
			return
		}
		canon := e.String()
		e2, err := Compile(canon, TagSchema)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not compile: %v", canon, src, err)
		}
		if e2.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, e2.String())
		}
		b1, err1 := e.Eval(rec)
		b2, err2 := e2.Eval(rec)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("eval errors differ: %v / %v", err1, err2)
		}
		if err1 == nil && string(b1.Bytes()) != string(b2.Bytes()) {
			t.Fatalf("%q and its canonical form %q select different rows: %v vs %v", src, canon, b1.Indices(), b2.Indices())
		}
	})
}
