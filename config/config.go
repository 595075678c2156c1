// Package config loads and validates the single YAML file that describes a
// deployment: sources and their column mappings, the warehouse, models,
// schedules, reports, deliveries and segments.
//
// Values may reference environment variables as ${NAME}; secrets are never
// written in the file itself but named by *_env keys. Every error names the
// file, the line and the key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Config is the whole deployment description.
type Config struct {
	// Path is the file the config was read from (set by Load).
	Path string `yaml:"-"`
	// BaseDir is the directory relative paths are resolved against.
	BaseDir string `yaml:"-"`

	Warehouse  Warehouse  `yaml:"warehouse"`
	OutputDir  string     `yaml:"output_dir"`
	Timezone   string     `yaml:"timezone"`
	AsOf       string     `yaml:"as_of"`
	Sources    []Source   `yaml:"sources"`
	Identity   Identity   `yaml:"identity"`
	Models     Models     `yaml:"models"`
	Jobs       Jobs       `yaml:"jobs"`
	Schedules  []Schedule `yaml:"schedules"`
	Reports    Reports    `yaml:"reports"`
	SMTP       *SMTP      `yaml:"smtp"`
	Deliveries []Delivery `yaml:"deliveries"`
	// Regions maps each region to the provinces it covers (names as the
	// exports write them; see config/deliveries.go).
	Regions  map[string][]string `yaml:"regions"`
	Alerts   Alerts              `yaml:"alerts"`
	Segments []Segment           `yaml:"segments"`
	Privacy  Privacy             `yaml:"privacy"`
	Location *time.Location      `yaml:"-"`
}

type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Msg)
}

var sourceNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Load reads, expands and validates the config file at path. It fails before
// any work is done, with an *Error (or a YAML syntax error) naming the file,
// line and key.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %q: %w", path, err)
	}
	return Parse(path, raw)
}

// Parse is Load on bytes already read; path is used for messages and to
// resolve relative paths.
func Parse(path string, raw []byte) (*Config, error) {
	var missing []string
	expand := func(m []byte) []byte {
		name := string(envRef.FindSubmatch(m)[1])
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return []byte(v)
	}
	// Expand ${NAME} in values only: text after a comment marker is left
	// alone so documentation may show the syntax.
	lines := bytes.Split(raw, []byte("\n"))
	for i, l := range lines {
		code, comment := l, []byte(nil)
		if j := commentStart(l); j >= 0 {
			code, comment = l[:j], l[j:]
		}
		lines[i] = append(envRef.ReplaceAllFunc(append([]byte(nil), code...), expand), comment...)
	}
	expanded := bytes.Join(lines, []byte("\n"))
	file, err := parser.ParseBytes(expanded, 0)
	if err != nil {
		return nil, yamlError(path, err)
	}
	if len(missing) > 0 {
		line, key := findEnvRef(raw, missing[0])
		return nil, &Error{File: path, Line: line, Key: key, Msg: fmt.Sprintf("environment variable %s is not set", missing[0])}
	}
	var c Config
	if err := yaml.UnmarshalWithOptions(expanded, &c, yaml.DisallowUnknownField()); err != nil {
		return nil, yamlError(path, err)
	}
	c.Path = path
	abs, _ := filepath.Abs(path)
	c.BaseDir = filepath.Dir(abs)
	v := &validator{path: path, file: file}
	c.applyDefaults()
	c.validate(v)
	c.validateBeforeWork(v)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return &c, nil
}

// commentStart returns the index of a YAML comment marker (# at the line
// start or after a space, outside quotes), or -1.
func commentStart(l []byte) int {
	var quote byte
	for i, c := range l {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || l[i-1] == ' ' || l[i-1] == '\t'):
			return i
		}
	}
	return -1
}

func findEnvRef(raw []byte, name string) (int, string) {
	for i, l := range bytes.Split(raw, []byte("\n")) {
		if bytes.Contains(l, []byte("${"+name+"}")) {
			k := strings.TrimSpace(strings.SplitN(string(l), ":", 2)[0])
			return i + 1, strings.TrimPrefix(k, "- ")
		}
	}
	return 0, name
}

type validator struct {
	path string
	file *ast.File
	errs []error
}

// line returns the line of the YAML path (e.g. "$.sources[0].path"), or of
// its nearest existing parent.
func (v *validator) line(p string) int {
	for p != "" && p != "$" {
		yp, err := yaml.PathString(p)
		if err == nil {
			if n, err := yp.FilterFile(v.file); err == nil && n != nil {
				return n.GetToken().Position.Line
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func (v *validator) fail(p, key, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.path, Line: v.line(p), Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.BaseDir, p)
}

// Source returns the source with the given name.
func (c *Config) Source(name string) (*Source, bool) {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], true
		}
	}
	return nil, false
}
