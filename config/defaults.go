package config

// applyDefaults fills what the file leaves out, before validation.
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
