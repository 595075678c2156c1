package config

import (
	"testing"
)

// The presentation keys (reports.currency, language, from; a delivery's
// language) and a segment's own privacy mode load when valid and are
// refused, naming the key, when not.
func TestPresentationAndSegmentPrivacyKeys(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // empty: loads
	}{
		{"valid", `reports: {currency: CNY, language: en, from: "CRM 数据中心 <crm@brand.cn>"}
privacy: {mode: none, salt_env: SALT}
segments:
  - name: vip
    where: "clv_decile <= 2"
    privacy: {mode: ads, platform: meta}
deliveries:
  - name: s
    scorecard: strategy
    language: zh
    recipients: [{email: a@example.com}]
`, nil},
		{"currency", "reports: {currency: yuan}\n", []string{"reports.currency", "ISO 4217"}},
		{"language", "reports: {language: fr}\n", []string{"reports.language", "want zh or en"}},
		{"from", "reports: {from: \"not an address\"}\n", []string{"reports.from"}},
		{"delivery language", `deliveries:
  - name: s
    scorecard: strategy
    language: de
    recipients: [{email: a@example.com}]
`, []string{"deliveries[0].language", "want zh or en"}},
		{"unknown platform", `privacy: {mode: none, salt_env: SALT}
segments:
  - name: vip
    where: "clv_decile <= 2"
    privacy: {mode: ads, platform: myspace}
`, []string{"segments[0].privacy.platform", "google, meta, tencent, tiktok"}},
		{"ads without salt", `segments:
  - name: vip
    where: "clv_decile <= 2"
    privacy: {mode: ads, platform: google}
`, []string{"privacy.salt_env", "mode is ads"}},
		{"unknown mode", `segments:
  - name: vip
    where: "clv_decile <= 2"
    privacy: {mode: scramble}
`, []string{"segments[0].privacy.mode", "want none, mask, hash or ads"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("crm.yaml", []byte(base+c.yaml))
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Reports.Currency != "CNY" || cfg.Reports.Language != "en" || cfg.Segments[0].Privacy.Platform != "meta" || cfg.Deliveries[0].Language != "zh" {
					t.Errorf("loaded %+v %+v %+v", cfg.Reports, cfg.Segments, cfg.Deliveries)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded")
			}
			errorNames(t, err, c.want)
		})
	}
}
