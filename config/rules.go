package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crmkit/pipeline/schema"
)

// The rules validate checks, section by section; every failure names the
// file, line and key (validator.fail).

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
