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
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/crmkit/crmkit/pipeline/schema"
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

// Warehouse selects and configures the warehouse.
type Warehouse struct {
	Kind string `yaml:"kind"` // duckdb (default) or bigquery
	Path string `yaml:"path"` // duckdb file
	// Threads limits DuckDB's worker threads (0 = DuckDB default).
	Threads int `yaml:"threads"`
	// MemoryLimit is DuckDB's memory_limit, e.g. "3GB".
	MemoryLimit string `yaml:"memory_limit"`
	Project     string `yaml:"project"`
	Dataset     string `yaml:"dataset"`
	Location    string `yaml:"location"`
	// CredentialsEnv names the environment variable holding a service
	// account key path (BigQuery); empty means Application Default Credentials.
	CredentialsEnv string `yaml:"credentials_env"`
	// Endpoint overrides the BigQuery API endpoint (emulator tests).
	Endpoint string `yaml:"endpoint"`
}

// Source is one export drop: a glob of files in one format mapped onto a
// canonical table.
type Source struct {
	Name    string `yaml:"name"`
	Table   string `yaml:"table"`   // canonical table, see pipeline/schema
	Channel string `yaml:"channel"` // for order_lines: tmall, jd, shopify, pos, ...
	Path    string `yaml:"path"`    // glob, relative to the config file
	Format  string `yaml:"format"`  // csv, ndjson, xlsx, parquet
	// Encoding of text formats: utf-8 (default) or gbk.
	Encoding string `yaml:"encoding"`
	// Delimiter is one character, or "whitespace" for runs of spaces and
	// tabs (see SourceText for header, skip_rows and comment).
	Delimiter  string `yaml:"delimiter"`
	Sheet      string `yaml:"sheet"`
	SourceText `yaml:",inline"`
	// TimestampLayout is a Go time layout for timestamp fields; several may
	// be given separated by "|" and are tried in order.
	TimestampLayout string `yaml:"timestamp_layout"`
	DateLayout      string `yaml:"date_layout"`
	Timezone        string `yaml:"timezone"`
	// Columns maps canonical field name -> header in the file.
	Columns map[string]string `yaml:"columns"`
	// Constants sets canonical fields to fixed values (e.g. platform: wechat).
	Constants map[string]string `yaml:"constants"`
	Checks    Checks            `yaml:"checks"`
	// IdentifierTypeAliases is Config.IdentifierTypeAliases, for the loader.
	IdentifierTypeAliases map[string]string `yaml:"-"`
	// ValidFrom (YYYY-MM-DD, default 2000-01-01) and MaxFuture (default
	// 1d) bound the timestamps a row may carry: from ValidFrom 00:00 in
	// the source's time zone to the end of today in the business time zone
	// plus MaxFuture. Rows outside go to quarantine as bad_date.
	ValidFrom string   `yaml:"valid_from"`
	MaxFuture Duration `yaml:"max_future"`

	// Line is the line of this source in the config file.
	Line int `yaml:"-"`
	// Location is the parsed Timezone.
	Location *time.Location `yaml:"-"`
	// ValidFromDate is the parsed ValidFrom (a calendar date, UTC).
	ValidFromDate time.Time `yaml:"-"`
}

// Checks are freshness and quality checks for a source.
type Checks struct {
	MaxAge             Duration `yaml:"max_age"`
	MinRows            int64    `yaml:"min_rows"`
	MaxQuarantineRatio float64  `yaml:"max_quarantine_ratio"`
}

// Identity configures identity stitching.
type Identity struct {
	MaxStrongIDs   int      `yaml:"max_strong_ids"`
	Blocklist      []string `yaml:"blocklist"`
	BlockPatterns  []string `yaml:"block_patterns"`
	DefaultRegion  string   `yaml:"default_region"`
	SourcePriority []string `yaml:"source_priority"`
	IdentityRules  `yaml:",inline"`
}

// Models configures the customer-value models.
type Models struct {
	CLV       CLV       `yaml:"clv"`
	RFM       RFM       `yaml:"rfm"`
	Lifecycle Lifecycle `yaml:"lifecycle"`
	Growth    Growth    `yaml:"growth"`
	Campaign  Campaign  `yaml:"campaign"`
	Credit    Credit    `yaml:"credit"`
	Social    Social    `yaml:"social"`
}

// CLV configures BG/NBD + Gamma-Gamma.
type CLV struct {
	HorizonMonths       int     `yaml:"horizon_months"`
	MonthlyDiscountRate float64 `yaml:"monthly_discount_rate"`
	HoldoutWeeks        float64 `yaml:"holdout_weeks"`
	// MinAmount is the smallest net amount of an order with positive
	// quantity that counts as a purchase (inclusive; default 0, so a $0.00
	// transaction is a purchase, as in the BG/NBD literature).
	MinAmount float64 `yaml:"min_amount"`
}

// RFM configures the RFM tiers.
type RFM struct {
	// HighValueMin is the minimum R+F+M score (3..15) for the high value tier.
	HighValueMin int `yaml:"high_value_min"`
	// DormantRecencyMax: customers with R score <= this are dormant.
	DormantRecencyMax int `yaml:"dormant_recency_max"`
}

// Lifecycle configures lifecycle stage windows (days).
type Lifecycle struct {
	AwareDays      int `yaml:"aware_days"`
	InterestDays   int `yaml:"interest_days"`
	PurchaseDays   int `yaml:"purchase_days"`
	LoyalMinDays   int `yaml:"loyal_min_days"`
	AdvocateShares int `yaml:"advocate_shares"`
}

// Growth configures growth metrics.
type Growth struct {
	ChurnDays int `yaml:"churn_days"`
}

// Campaign configures campaign effect measurement.
type Campaign struct {
	WindowDays int `yaml:"window_days"`
}

// Credit configures cross-channel credit.
type Credit struct {
	WindowDays int `yaml:"window_days"`
}

// Social configures social engagement metrics.
type Social struct {
	ConversionDays int `yaml:"conversion_days"`
}

// Jobs configures the job runner.
type Jobs struct {
	Parallelism   int      `yaml:"parallelism"`
	Retries       int      `yaml:"retries"`
	RetryBackoff  Duration `yaml:"retry_backoff"`
	KeepRunsDays  int      `yaml:"keep_runs_days"`
	CatchupWindow Duration `yaml:"catchup_window"`
	// Catchup is latest (default), all or none: which missed slots of a
	// schedule run at start (see jobs.CatchupPlan).
	Catchup string `yaml:"catchup"`
	// CatchupMaxRuns caps the catch-up runs at start (default 3).
	CatchupMaxRuns int `yaml:"catchup_max_runs"`
}

// Schedule runs a job (or "chain") on a cron spec.
type Schedule struct {
	Job      string `yaml:"job"`
	Cron     string `yaml:"cron"`
	Timezone string `yaml:"timezone"`
}

// Reports configures the scorecards.
type Reports struct {
	// Period is "month" (default) or "week".
	Period string `yaml:"period"`
	// FontPath is a CJK TrueType font (TTF/TTC) used for chart text instead
	// of the Noto Sans SC subset embedded in the binary.
	FontPath string `yaml:"font_path"`
	// AttachMaxBytes caps the size of an XLSX attached to mail.
	AttachMaxBytes int64 `yaml:"attach_max_bytes"`
	// Currency is the ISO 4217 code of the order amounts (e.g. CNY: shown
	// "¥ 943,818"); empty shows amounts without a sign.
	Currency string `yaml:"currency"`
	// Language of the scorecard files in output_dir: zh (default) or en;
	// a delivery's language overrides it for its mail.
	Language string `yaml:"language"`
	// From is the sender of scorecard mail, a name and address
	// ("CRM 数据中心 <crm@brand.cn>"); default smtp.from, or
	// "crmkit <crmkit@localhost>" for .eml files.
	From string `yaml:"from"`
}

// SMTP configures outgoing mail; credentials come from the environment.
type SMTP struct {
	Host        string `yaml:"host"`
	Port        int    `yaml:"port"`
	TLS         string `yaml:"tls"` // starttls (default), tls, none
	UsernameEnv string `yaml:"username_env"`
	PasswordEnv string `yaml:"password_env"`
	From        string `yaml:"from"`
}

// Delivery sends one scorecard to recipients.
type Delivery struct {
	Name      string `yaml:"name"`
	Scorecard string `yaml:"scorecard"` // strategy, operations, support
	Subject   string `yaml:"subject"`
	// Language of the mail: zh or en; default reports.language.
	Language   string      `yaml:"language"`
	Recipients []Recipient `yaml:"recipients"`
}

// Recipient is one mail address with an optional filter (e.g. region).
type Recipient struct {
	Email  string            `yaml:"email"`
	Filter map[string]string `yaml:"filter"`
}

// Alerts configures failure alerts.
type Alerts struct {
	Operators []string `yaml:"operators"`
}

// Segment is a named audience definition.
type Segment struct {
	Name  string `yaml:"name"`
	Where string `yaml:"where"`
	// Privacy overrides the top-level privacy mode for this segment's
	// file: mode none, mask, hash, or ads with platform (google, meta,
	// tiktok, tencent) for an upload to that ad platform.
	Privacy *SegmentPrivacy `yaml:"privacy"`
}

// AdPlatforms are the platforms of segment privacy mode ads (the hash
// forms each documents are in reports/segmentfile).
var AdPlatforms = []string{"google", "meta", "tencent", "tiktok"}

// SegmentPrivacy is one segment's privacy mode.
type SegmentPrivacy struct {
	Mode     string `yaml:"mode"`
	Platform string `yaml:"platform"`
}

// Privacy configures masking of personal identifiers in exported files.
type Privacy struct {
	// Mode is none, mask or hash.
	Mode    string `yaml:"mode"`
	SaltEnv string `yaml:"salt_env"`
}

// Duration is a time.Duration that reads from YAML strings like "36h".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string, also accepting a "d" suffix for days.
func (d *Duration) UnmarshalYAML(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"'`)
	if s == "" {
		*d = 0
		return nil
	}
	if strings.HasSuffix(s, "d") {
		var n int
		if _, err := fmt.Sscanf(s, "%dd", &n); err == nil {
			*d = Duration(time.Duration(n) * 24 * time.Hour)
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Error is a validation error pointing at a file, line and key.
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

func (c *Config) applyDefaults() {
	if c.Warehouse.Kind == "" {
		c.Warehouse.Kind = "duckdb"
	}
	if c.Warehouse.Kind == "duckdb" && c.Warehouse.Path == "" {
		c.Warehouse.Path = "out/warehouse.duckdb"
	}
	if c.OutputDir == "" {
		c.OutputDir = "out"
	}
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if c.Identity.MaxStrongIDs == 0 {
		c.Identity.MaxStrongIDs = 3
	}
	if c.Identity.DefaultRegion == "" {
		c.Identity.DefaultRegion = "CN"
	}
	m := &c.Models
	if m.CLV.HorizonMonths == 0 {
		m.CLV.HorizonMonths = 12
	}
	if m.CLV.MonthlyDiscountRate == 0 {
		m.CLV.MonthlyDiscountRate = 0.01
	}
	if m.RFM.HighValueMin == 0 {
		m.RFM.HighValueMin = 12
	}
	if m.RFM.DormantRecencyMax == 0 {
		m.RFM.DormantRecencyMax = 2
	}
	if m.Lifecycle.AwareDays == 0 {
		m.Lifecycle.AwareDays = 90
	}
	if m.Lifecycle.InterestDays == 0 {
		m.Lifecycle.InterestDays = 90
	}
	if m.Lifecycle.PurchaseDays == 0 {
		m.Lifecycle.PurchaseDays = 365
	}
	if m.Lifecycle.LoyalMinDays == 0 {
		m.Lifecycle.LoyalMinDays = 2
	}
	if m.Lifecycle.AdvocateShares == 0 {
		m.Lifecycle.AdvocateShares = 1
	}
	if m.Growth.ChurnDays == 0 {
		m.Growth.ChurnDays = 365
	}
	if m.Campaign.WindowDays == 0 {
		m.Campaign.WindowDays = 30
	}
	if m.Credit.WindowDays == 0 {
		m.Credit.WindowDays = 365
	}
	if m.Social.ConversionDays == 0 {
		m.Social.ConversionDays = 30
	}
	if c.Jobs.Parallelism == 0 {
		c.Jobs.Parallelism = 2
	}
	if c.Jobs.KeepRunsDays == 0 {
		c.Jobs.KeepRunsDays = 90
	}
	if c.Reports.Period == "" {
		c.Reports.Period = "month"
	}
	if c.Reports.AttachMaxBytes == 0 {
		c.Reports.AttachMaxBytes = 5 << 20
	}
	if c.Privacy.Mode == "" {
		c.Privacy.Mode = "none"
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Encoding == "" {
			s.Encoding = "utf-8"
		}
		if s.TimestampLayout == "" {
			s.TimestampLayout = "2006-01-02 15:04:05|2006-01-02T15:04:05Z07:00|2006-01-02"
		}
		if s.DateLayout == "" {
			s.DateLayout = "2006-01-02"
		}
		if s.Timezone == "" {
			s.Timezone = c.Timezone
		}
		if s.ValidFrom == "" {
			s.ValidFrom = DefaultValidFrom
		}
		if s.MaxFuture == 0 {
			s.MaxFuture = Duration(DefaultMaxFuture)
		}
	}
}

// Defaults of a source's valid time range (Source.ValidFrom, MaxFuture).
const (
	DefaultValidFrom = "2000-01-01"
	DefaultMaxFuture = 24 * time.Hour
)

var encodings = map[string]bool{"utf-8": true, "utf8": true, "gbk": true, "gb18030": true}

func (c *Config) validate(v *validator) {
	switch c.Warehouse.Kind {
	case "duckdb":
	case "bigquery":
		if c.Warehouse.Project == "" {
			v.fail("$.warehouse", "warehouse.project", "required when kind is bigquery")
		}
		if c.Warehouse.Dataset == "" {
			v.fail("$.warehouse", "warehouse.dataset", "required when kind is bigquery")
		}
	default:
		v.fail("$.warehouse.kind", "warehouse.kind", "unknown warehouse kind %q (want duckdb or bigquery)", c.Warehouse.Kind)
	}
	if m := c.Warehouse.MemoryLimit; m != "" && !validMemoryLimit(m) {
		v.fail("$.warehouse.memory_limit", "warehouse.memory_limit", "want a size such as 2GB or 512MiB, got %q", m)
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		v.fail("$.timezone", "timezone", "unknown time zone %q", c.Timezone)
	}
	c.Location = loc
	if c.AsOf != "" {
		if _, err := time.Parse("2006-01-02", c.AsOf); err != nil {
			v.fail("$.as_of", "as_of", "want YYYY-MM-DD, got %q", c.AsOf)
		}
	}
	if len(c.Sources) == 0 {
		v.fail("$.sources", "sources", "at least one source is required")
	}
	seen := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		p := fmt.Sprintf("$.sources[%d]", i)
		s.Line = v.line(p)
		key := fmt.Sprintf("sources[%d]", i)
		if s.Name == "" {
			v.fail(p, key+".name", "required")
		} else if !sourceNameRe.MatchString(s.Name) {
			v.fail(p+".name", key+".name", "%q must be lower-case letters, digits and _", s.Name)
		} else if seen[s.Name] {
			v.fail(p+".name", key+".name", "duplicate source name %q", s.Name)
		}
		seen[s.Name] = true
		tbl, ok := schema.Lookup(s.Table)
		if !ok {
			v.fail(p+".table", key+".table", "unknown table %q (want one of %s)", s.Table, strings.Join(schema.Names(), ", "))
		}
		if s.Path == "" {
			v.fail(p, key+".path", "required")
		}
		if !formatRegistered(s.Format) {
			v.fail(p+".format", key+".format", "unknown format %q (want %s)", s.Format, registeredFormats())
		}
		if !encodings[strings.ToLower(s.Encoding)] {
			v.fail(p+".encoding", key+".encoding", "unknown encoding %q (want utf-8 or gbk)", s.Encoding)
		}
		if len([]rune(s.Delimiter)) > 1 && s.Delimiter != DelimiterWhitespace {
			v.fail(p+".delimiter", key+".delimiter", "must be one character or %q", DelimiterWhitespace)
		}
		s.validateText(v, p, key)
		l, err := time.LoadLocation(s.Timezone)
		if err != nil {
			v.fail(p+".timezone", key+".timezone", "unknown time zone %q", s.Timezone)
		}
		s.Location = l
		if tbl != nil {
			if tbl.HasChannel() && s.Channel == "" {
				v.fail(p, key+".channel", "required for table %s", s.Table)
			}
			for canon := range s.Columns {
				if _, ok := tbl.Field(canon); !ok {
					v.fail(p+".columns."+canon, key+".columns."+canon, "table %s has no field %q", s.Table, canon)
				}
			}
			for canon := range s.Constants {
				if _, ok := tbl.Field(canon); !ok {
					v.fail(p+".constants."+canon, key+".constants."+canon, "table %s has no field %q", s.Table, canon)
				}
			}
			for _, f := range tbl.Fields {
				_, mapped := s.Columns[f.Name]
				_, constant := s.Constants[f.Name]
				if f.Required && !mapped && !constant && !Derivable(s.Table, f.Name) {
					v.fail(p+".columns", key+".columns."+f.Name, "required field %q of table %s is not mapped", f.Name, s.Table)
				}
			}
		}
		if d, err := time.Parse("2006-01-02", s.ValidFrom); err != nil {
			v.fail(p+".valid_from", key+".valid_from", "want YYYY-MM-DD, got %q", s.ValidFrom)
		} else {
			s.ValidFromDate = d
		}
		if s.MaxFuture < 0 {
			v.fail(p+".max_future", key+".max_future", "must not be negative")
		}
		if s.Checks.MaxQuarantineRatio < 0 || s.Checks.MaxQuarantineRatio > 1 {
			v.fail(p+".checks.max_quarantine_ratio", key+".checks.max_quarantine_ratio", "must be between 0 and 1")
		}
	}
	c.applyIdentity(v)
	for i, p := range c.Identity.BlockPatterns {
		if _, err := regexp.Compile(p); err != nil {
			v.fail(fmt.Sprintf("$.identity.block_patterns[%d]", i), fmt.Sprintf("identity.block_patterns[%d]", i), "invalid regular expression: %v", err)
		}
	}
	if c.SMTP != nil {
		if c.SMTP.Host == "" {
			v.fail("$.smtp", "smtp.host", "required")
		}
		switch c.SMTP.TLS {
		case "", "starttls", "tls", "none":
		default:
			v.fail("$.smtp.tls", "smtp.tls", "want starttls, tls or none, got %q", c.SMTP.TLS)
		}
		if c.SMTP.From == "" {
			v.fail("$.smtp", "smtp.from", "required")
		}
	}
	for i, d := range c.Deliveries {
		p := fmt.Sprintf("$.deliveries[%d]", i)
		switch d.Scorecard {
		case "strategy", "operations", "support":
		default:
			v.fail(p+".scorecard", fmt.Sprintf("deliveries[%d].scorecard", i), "want strategy, operations or support, got %q", d.Scorecard)
		}
		if len(d.Recipients) == 0 {
			v.fail(p, fmt.Sprintf("deliveries[%d].recipients", i), "at least one recipient is required")
		}
		switch d.Language {
		case "", "zh", "en":
		default:
			v.fail(p+".language", fmt.Sprintf("deliveries[%d].language", i), "want zh or en, got %q", d.Language)
		}
	}
	switch c.Reports.Language {
	case "", "zh", "en":
	default:
		v.fail("$.reports.language", "reports.language", "want zh or en, got %q", c.Reports.Language)
	}
	if cur := c.Reports.Currency; cur != "" && !currencyCode.MatchString(cur) {
		v.fail("$.reports.currency", "reports.currency", "want an ISO 4217 code such as CNY, got %q", cur)
	}
	if c.Reports.From != "" {
		if _, err := mail.ParseAddress(c.Reports.From); err != nil {
			v.fail("$.reports.from", "reports.from", "want a name and address such as \"CRM 数据中心 <crm@brand.cn>\": %v", err)
		}
	}
	v.validateFilters(c)
	v.validateRegions(c)
	switch c.Privacy.Mode {
	case "none", "mask", "hash":
	default:
		v.fail("$.privacy.mode", "privacy.mode", "want none, mask or hash, got %q", c.Privacy.Mode)
	}
	for i, sg := range c.Segments {
		if sg.Privacy == nil {
			continue
		}
		p := fmt.Sprintf("$.segments[%d].privacy", i)
		key := fmt.Sprintf("segments[%d].privacy", i)
		switch sg.Privacy.Mode {
		case "none", "mask", "hash":
			if sg.Privacy.Platform != "" {
				v.fail(p+".platform", key+".platform", "only for mode ads")
			}
		case "ads":
			if !slices.Contains(AdPlatforms, sg.Privacy.Platform) {
				v.fail(p+".platform", key+".platform", "want one of %s, got %q", strings.Join(AdPlatforms, ", "), sg.Privacy.Platform)
			}
		default:
			v.fail(p+".mode", key+".mode", "want none, mask, hash or ads, got %q", sg.Privacy.Mode)
		}
		if (sg.Privacy.Mode == "hash" || sg.Privacy.Mode == "ads") && c.Privacy.SaltEnv == "" {
			v.fail(p, "privacy.salt_env", "required when a segment's mode is %s (the salt comes from the environment)", sg.Privacy.Mode)
		}
	}
	if c.Privacy.Mode == "hash" && c.Privacy.SaltEnv == "" {
		v.fail("$.privacy", "privacy.salt_env", "required when mode is hash (the salt comes from the environment)")
	}
	for i, s := range c.Schedules {
		if s.Cron == "" {
			v.fail(fmt.Sprintf("$.schedules[%d]", i), fmt.Sprintf("schedules[%d].cron", i), "required")
		}
		if s.Timezone != "" {
			if _, err := time.LoadLocation(s.Timezone); err != nil {
				v.fail(fmt.Sprintf("$.schedules[%d].timezone", i), fmt.Sprintf("schedules[%d].timezone", i), "unknown time zone %q", s.Timezone)
			}
		}
	}
}

// Resolve makes a config-relative path absolute.
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
