package config

import (
	"strings"
	"testing"
)

// A recipient filter with an unknown key (a typo) or an unusable value is
// refused at load, naming file:line and the key; a known key loads.
func TestDeliveryFilters(t *testing.T) {
	deliveries := func(filter string) string {
		return base + `deliveries:
  - name: ops
    scorecard: operations
    recipients:
      - email: a@example.com
      - email: east@example.com
        filter: ` + filter + "\n"
	}
	cases := []struct {
		name, filter string
		want         []string // empty: loads
	}{
		{"region", "{region: 华东}", nil},
		{"typo in key", "{regoin: 华东}", []string{"crm.yaml:24:", "deliveries[0].recipients[1].filter.regoin", `unknown filter key "regoin"`, "want one of region"}},
		{"empty value", `{region: ""}`, []string{"crm.yaml:24:", "deliveries[0].recipients[1].filter.region", "empty value"}},
		{"padded value", `{region: " 华东"}`, []string{"crm.yaml:24:", "filter.region", "leading or trailing spaces"}},
	}
	// Two recipients' values that name one file ("East" and "east!" are both
	// "east" in a file name) are refused; the same value twice, and values
	// that differ in a letter, load.
	twoFilters := func(a, b string) string {
		return base + `deliveries:
  - name: ops
    scorecard: operations
    recipients:
      - email: a@example.com
        filter: ` + a + `
      - email: b@example.com
        filter: ` + b + "\n"
	}
	for _, c := range []struct {
		name, a, b string
		want       []string
	}{
		{"case", "{region: East}", "{region: east}", []string{"crm.yaml:25:", "deliveries[0].recipients[1].filter.region", `"east" and another recipient's "East"`, "(east)"}},
		{"punctuation", "{region: 华东}", "{region: 华东!}", []string{"crm.yaml:25:", `"华东!"`, "(华东)"}},
		{"same value", "{region: East}", "{region: East}", nil},
		{"other region", "{region: 华东}", "{region: 华南}", nil},
	} {
		t.Run("file names/"+c.name, func(t *testing.T) {
			_, err := Parse("crm.yaml", []byte(twoFilters(c.a, c.b)))
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded")
			}
			errorNames(t, err, c.want)
		})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("crm.yaml", []byte(deliveries(c.filter)))
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got := cfg.Deliveries[0].Recipients[1].Filter["region"]; got != "华东" {
					t.Fatalf("filter region %q", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded %+v", cfg.Deliveries)
			}
			errorNames(t, err, c.want)
		})
	}
}

// errorNames fails t for each of want that err's message does not contain.
func errorNames(t *testing.T, err error, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}
