package config

import (
	"fmt"
	"strings"
	"time"
)

// The sections of the YAML file, one type each; Config holds them.

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
	// Compression of text formats (csv, ndjson): gzip, none, or empty for
	// gzip when a file's name ends in .gz.
	Compression string `yaml:"compression"`
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
