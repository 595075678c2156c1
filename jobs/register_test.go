package jobs

import (
	"strings"
	"testing"
)

func TestCheckRegistered(t *testing.T) {
	cases := []struct {
		name           string
		publish, alert bool
		models         int
		want           []string // substrings of the error, none for nil
	}{
		{"everything registered", true, true, 3, nil},
		{"nothing registered", false, false, 0, []string{"no publish job", "no alert sender", "no model jobs"}},
		{"publish missing", false, true, 1, []string{"no publish job registered (jobs.RegisterPublish)"}},
		{"models missing", true, true, 0, []string{"no model jobs registered"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkRegistered(c.publish, c.alert, c.models)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("err = nil, want %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != len(c.want) {
				t.Errorf("err has %d lines, want %d: %q", n, len(c.want), err)
			}
		})
	}
}

// TestCheckRegisteredInThisBinary: the jobs test binary registers nothing,
// so the check must fail and name the publish job.
func TestCheckRegisteredInThisBinary(t *testing.T) {
	err := CheckRegistered()
	if err == nil || !strings.Contains(err.Error(), "no publish job") {
		t.Fatalf("CheckRegistered() = %v, want the missing publish job named", err)
	}
}
