package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/robfig/cron/v3"
)

// Catch-up policies (jobs.catchup).
const (
	CatchupLatest = "latest"
	CatchupAll    = "all"
	CatchupNone   = "none"
)

// DefaultCatchupMaxRuns is jobs.catchup_max_runs when the file sets none.
const DefaultCatchupMaxRuns = 3

// CronParser parses the schedules' cron specs: five fields (minute hour
// day-of-month month day-of-week) or a descriptor such as @daily. The
// scheduler uses the same parser, so a spec accepted here runs there.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// layoutProbe is a time whose every field differs from the others, so a
// layout that renders and parses it back keeps year, month and day.
var layoutProbe = time.Date(2023, 11, 24, 13, 45, 56, 0, time.UTC)

// CheckLayout reports why a Go time layout cannot read dates: it must
// render the year, the month and the day (layouts such as "YYYY-MM-DD" or
// "%Y-%m-%d" hold no Go layout token and would quarantine every row).
func CheckLayout(layout string) error {
	if strings.TrimSpace(layout) == "" {
		return errors.New("empty layout")
	}
	s := layoutProbe.Format(layout)
	t, err := time.Parse(layout, s)
	if err != nil || t.Year() != layoutProbe.Year() || t.Month() != layoutProbe.Month() || t.Day() != layoutProbe.Day() {
		return fmt.Errorf("%q is not a Go time layout with year, month and day (write the reference time, e.g. 2006-01-02 15:04:05)", layout)
	}
	return nil
}

// validateBeforeWork checks what would otherwise fail only once work has
// started: the catch-up policy, cron specs, timestamp and date layouts and
// the warehouse folder.
func (c *Config) validateBeforeWork(v *validator) {
	switch c.Jobs.Catchup {
	case "":
		c.Jobs.Catchup = CatchupLatest
	case CatchupLatest, CatchupAll, CatchupNone:
	default:
		v.fail("$.jobs.catchup", "jobs.catchup", "want latest, all or none, got %q", c.Jobs.Catchup)
	}
	switch {
	case c.Jobs.CatchupMaxRuns == 0:
		c.Jobs.CatchupMaxRuns = DefaultCatchupMaxRuns
	case c.Jobs.CatchupMaxRuns < 0:
		v.fail("$.jobs.catchup_max_runs", "jobs.catchup_max_runs", "must be 0 (default %d) or more, got %d", DefaultCatchupMaxRuns, c.Jobs.CatchupMaxRuns)
	}
	for i, s := range c.Schedules {
		if s.Cron == "" {
			continue // reported by validate
		}
		if _, err := CronParser.Parse(s.Cron); err != nil {
			v.fail(fmt.Sprintf("$.schedules[%d].cron", i), fmt.Sprintf("schedules[%d].cron", i), "bad cron spec %q: %v (want 5 fields: minute hour day-of-month month day-of-week)", s.Cron, err)
		}
	}
	for i, s := range c.Sources {
		p, key := fmt.Sprintf("$.sources[%d]", i), fmt.Sprintf("sources[%d]", i)
		for _, l := range strings.Split(s.TimestampLayout, "|") {
			if err := CheckLayout(l); err != nil {
				v.fail(p+".timestamp_layout", key+".timestamp_layout", "%v", err)
			}
		}
		if err := CheckLayout(s.DateLayout); err != nil {
			v.fail(p+".date_layout", key+".date_layout", "%v", err)
		}
	}
	if c.Warehouse.Kind == "duckdb" && c.Warehouse.Path != "" && c.Warehouse.Path != ":memory:" {
		dir := filepath.Dir(c.Resolve(c.Warehouse.Path))
		if !c.insideOutput(dir) {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				v.fail("$.warehouse.path", "warehouse.path", "folder %s does not exist (crmkit creates only its output_dir; create it or fix the path)", dir)
			}
		}
	}
}

// insideOutput reports whether dir is the output folder or under it:
// crmkit creates that folder itself, any other must already exist.
func (c *Config) insideOutput(dir string) bool {
	out := filepath.Clean(c.Resolve(c.OutputDir))
	rel, err := filepath.Rel(out, filepath.Clean(dir))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// SourcesWithoutFiles names the sources whose path glob matches no file
// now, with their glob; the caller warns about them at start (a drop may
// simply not have arrived yet, so it is not an error).
func (c *Config) SourcesWithoutFiles() []string {
	var out []string
	for _, s := range c.Sources {
		m, err := filepath.Glob(c.Resolve(s.Path))
		if err == nil && len(m) > 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s (%s:%d): no file matches %s", s.Name, c.Path, s.Line, s.Path))
	}
	return out
}

// YAMLError is a YAML syntax or type error at a file position.
type YAMLError struct {
	File         string
	Line, Column int
	Msg          string
	Err          error
}

func (e *YAMLError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Unwrap returns the parser's error.
func (e *YAMLError) Unwrap() error { return e.Err }

// yamlError turns a YAML parse or decode error into a *YAMLError naming
// file:line:column (the library's own text spreads a source snippet over
// several lines).
func yamlError(path string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		pos := ye.GetToken().Position
		return &YAMLError{File: path, Line: pos.Line, Column: pos.Column, Msg: ye.GetMessage(), Err: err}
	}
	return fmt.Errorf("%s: %w", path, err)
}
