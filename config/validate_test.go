package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidationBeforeWork: mistakes that used to pass validation and fail
// only once work had started are refused at load, naming file:line and key.
// Line numbers are those of base (17 lines) plus the appended text.
func TestValidationBeforeWork(t *testing.T) {
	layout := func(key, l string) string {
		return strings.Replace(base, "    format: csv\n", "    format: csv\n    "+key+": \""+l+"\"\n", 1)
	}
	cases := []struct {
		name, yaml string
		want       []string // nil: accepted
	}{
		{"cron out of range", base + "schedules:\n  - job: chain\n    cron: \"61 * * * *\"\n", []string{"crm.yaml:20:", "schedules[0].cron", `bad cron spec "61 * * * *"`}},
		{"cron with four fields", base + "schedules:\n  - job: chain\n    cron: \"0 2 * *\"\n", []string{"crm.yaml:20:", "schedules[0].cron"}},
		{"cron descriptor", base + "schedules:\n  - job: chain\n    cron: \"@daily\"\n", nil},
		{"schedule zone", base + "schedules:\n  - job: chain\n    cron: \"0 2 * * *\"\n    timezone: Asia/Shangai\n", []string{"crm.yaml:21:", "schedules[0].timezone"}},
		{"unknown catch-up policy", base + "jobs:\n  catchup: sometimes\n", []string{"crm.yaml:19:", "jobs.catchup", `"sometimes"`}},
		{"negative catch-up cap", base + "jobs:\n  catchup_max_runs: -1\n", []string{"crm.yaml:19:", "jobs.catchup_max_runs"}},
		{"layout with no Go tokens", layout("timestamp_layout", "YYYY-MM-DD hh:mm:ss"), []string{"crm.yaml:11:", "sources[0].timestamp_layout", `"YYYY-MM-DD hh:mm:ss" is not a Go time layout`}},
		{"strftime layout", layout("timestamp_layout", "%Y-%m-%d %H:%M:%S"), []string{"crm.yaml:11:", "sources[0].timestamp_layout"}},
		{"second of two layouts bad", layout("timestamp_layout", "2006-01-02 15:04:05|DD/MM/YYYY"), []string{"crm.yaml:11:", `"DD/MM/YYYY"`}},
		{"layout without day", layout("date_layout", "2006-01"), []string{"crm.yaml:11:", "sources[0].date_layout"}},
		{"good layouts", layout("timestamp_layout", "02/01/2006 15:04|2006-01-02T15:04:05Z07:00"), nil},
		{"warehouse folder missing", strings.Replace(base, "path: out/w.duckdb", "path: /nonexistent-crmkit-folder/w.duckdb", 1), []string{"crm.yaml:3:", "warehouse.path", "/nonexistent-crmkit-folder does not exist"}},
		{"warehouse under output_dir is created", strings.Replace(base, "path: out/w.duckdb", "path: out/sub/w.duckdb", 1), nil},
		{"warehouse in an existing folder", strings.Replace(base, "path: out/w.duckdb", "path: "+filepath.Join(t.TempDir(), "w.duckdb"), 1), nil},
		{"yaml syntax error", base + "sources: [\n", []string{"crm.yaml:18:"}},
		{"yaml unknown key", base + "colour: blue\n", []string{"crm.yaml:18:1:", "colour"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("crm.yaml", []byte(tc.yaml))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("valid config refused: %v", err)
				}
				if c.Jobs.Catchup != CatchupLatest || c.Jobs.CatchupMaxRuns != DefaultCatchupMaxRuns {
					t.Fatalf("catch-up defaults %q %d", c.Jobs.Catchup, c.Jobs.CatchupMaxRuns)
				}
				return
			}
			if err == nil {
				t.Fatal("invalid config accepted")
			}
			if strings.Contains(err.Error(), "\n") && !strings.Contains(tc.yaml, "${") {
				// Each error is one line: several are joined by newlines.
				for _, l := range strings.Split(err.Error(), "\n") {
					if !strings.HasPrefix(l, "crm.yaml:") {
						t.Errorf("error line %q does not start with file:line", l)
					}
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestYAMLErrorPosition(t *testing.T) {
	_, err := Parse("crm.yaml", []byte(base+"sources:\n\t- name: x\n"))
	var ye *YAMLError
	if !errors.As(err, &ye) {
		t.Fatalf("error %v is not a *YAMLError", err)
	}
	if ye.File != "crm.yaml" || ye.Line != 19 || ye.Column != 1 {
		t.Fatalf("position %s:%d:%d, want crm.yaml:19:1 (%v)", ye.File, ye.Line, ye.Column, err)
	}
}

func TestSourcesWithoutFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	y := base + "  - name: pos\n    table: order_lines\n    channel: pos\n    path: data/pos_*.csv\n    format: csv\n" +
		"    columns: {order_id: a, order_ts: b, sku: c, qty: d, unit_price: e, paid_amount: f}\n"
	p := filepath.Join(dir, "crm.yaml")
	if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "orders.csv"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	got := c.SourcesWithoutFiles()
	if len(got) != 1 || !strings.HasPrefix(got[0], "pos (") || !strings.Contains(got[0], "crm.yaml:18)") || !strings.Contains(got[0], "data/pos_*.csv") {
		t.Fatalf("warnings %q, want one naming source pos at crm.yaml:18", got)
	}
}
