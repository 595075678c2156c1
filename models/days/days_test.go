package days

import (
	"testing"
	"time"
)

func TestCivil(t *testing.T) {
	cases := []struct {
		name    string
		y, m, d int
		z       int64 // worked out by hand from 1970-01-01
		month   int64
	}{
		{"epoch", 1970, 1, 1, 0, 1970 * 12},
		{"day before the epoch", 1969, 12, 31, -1, 1969*12 + 11},
		{"leap day 2000 (a 400-year leap)", 2000, 2, 29, 11016, 2000*12 + 1},
		{"after the leap day", 2000, 3, 1, 11017, 2000*12 + 2},
		{"leap day 2024", 2024, 2, 29, 19782, 2024*12 + 1},
		{"1900 (no leap day)", 1900, 3, 1, -25508, 1900*12 + 2},
		{"1900-01-01", 1900, 1, 1, -25567, 1900 * 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := FromCivil(c.y, c.m, c.d); got != c.z {
				t.Errorf("FromCivil = %d, want %d", got, c.z)
			}
			if y, m, d := ToCivil(c.z); y != c.y || m != c.m || d != c.d {
				t.Errorf("ToCivil = %d-%d-%d, want %d-%d-%d", y, m, d, c.y, c.m, c.d)
			}
			if got := Month(c.z); got != c.month {
				t.Errorf("Month = %d, want %d", got, c.month)
			}
		})
	}
}

// TestAgreesWithTimePackage checks every day from 1600 to 2400 against
// the time package's own calendar.
func TestAgreesWithTimePackage(t *testing.T) {
	start := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 800*366; i++ {
		tm := start.AddDate(0, 0, i)
		z := tm.Unix() / 86400
		y, m, d := tm.Date()
		if got := FromCivil(y, int(m), d); got != z {
			t.Fatalf("FromCivil(%s) = %d, want %d", tm.Format(time.DateOnly), got, z)
		}
		if gy, gm, gd := ToCivil(z); gy != y || gm != int(m) || gd != d {
			t.Fatalf("ToCivil(%d) = %d-%d-%d, want %s", z, gy, gm, gd, tm.Format(time.DateOnly))
		}
	}
}
