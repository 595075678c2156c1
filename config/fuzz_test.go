package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse loads arbitrary bytes as a config file. Parse never panics; an
// error names the file on every line (file:line: key: message or
// file:line:column: message); a config it accepts has its defaults set.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(example), base, base + "sources: [\n", base + "schedules:\n  - job: chain\n    cron: \"61 * * * *\"\n",
		base + "jobs:\n  catchup: all\n  catchup_max_runs: 2\n", "warehouse: {kind: bigquery}\n", "a: b: c", "- - -\n", "sources:\n\t- x\n",
		base + "smtp:\n  host: ${CRMKIT_FUZZ_UNSET}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := Parse("fuzz.yaml", raw)
		if err != nil {
			for _, l := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(l, "fuzz.yaml") {
					t.Fatalf("error line %q does not name the file (whole error %q)", l, err)
				}
			}
			var ye *YAMLError
			if errors.As(err, &ye) && (ye.Line < 1 || ye.Column < 0) {
				t.Fatalf("YAML error at %d:%d", ye.Line, ye.Column)
			}
			return
		}
		if c.Warehouse.Kind == "" || c.Location == nil || c.Jobs.Catchup == "" || c.Jobs.CatchupMaxRuns <= 0 {
			t.Fatalf("accepted config without defaults: %+v", c.Jobs)
		}
	})
}
