package config

import (
	"os"
	"strings"
	"testing"
)

const base = `warehouse:
  kind: duckdb
  path: out/w.duckdb
timezone: Asia/Shanghai
sources:
  - name: shop
    table: order_lines
    channel: shopify
    path: data/*.csv
    format: csv
    columns:
      order_id: Name
      order_ts: Created at
      sku: SKU
      qty: Qty
      unit_price: Price
      paid_amount: Total
`

func TestExampleConfigLoads(t *testing.T) {
	c, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) < 11 || c.Warehouse.Kind != "duckdb" || c.Location.String() != "Asia/Shanghai" {
		t.Fatalf("example config: %d sources, warehouse %q, zone %v", len(c.Sources), c.Warehouse.Kind, c.Location)
	}
}

func TestValidConfigDefaults(t *testing.T) {
	c, err := Parse("crm.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	if s.Encoding != "utf-8" || s.Timezone != "Asia/Shanghai" || s.Line != 6 || c.Identity.MaxStrongIDs != 3 || c.Models.CLV.HorizonMonths != 12 {
		t.Fatalf("defaults: %+v identity %+v", s, c.Identity)
	}
}

func TestInvalidConfigNamesFileLineAndKey(t *testing.T) {
	t.Setenv("CRMKIT_TEST_PASSWORD", "")
	os.Unsetenv("CRMKIT_TEST_PASSWORD")
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown table", strings.Replace(base, "table: order_lines", "table: order_line", 1), []string{"crm.yaml:7:", "sources[0].table", `unknown table "order_line"`}},
		{"bad format", strings.Replace(base, "format: csv", "format: xls", 1), []string{"crm.yaml:10:", "sources[0].format"}},
		{"required field unmapped", strings.Replace(base, "      sku: SKU\n", "", 1), []string{"crm.yaml:12:", "sources[0].columns.sku", `required field "sku"`}},
		{"unknown canonical field", strings.Replace(base, "      sku: SKU\n", "      sku: SKU\n      colour: Colour\n", 1), []string{"crm.yaml:15:", "sources[0].columns.colour"}},
		{"bad zone", strings.Replace(base, "timezone: Asia/Shanghai", "timezone: Mars/Olympus", 1), []string{"crm.yaml:4:", "timezone", "Mars/Olympus"}},
		{"missing channel", strings.Replace(base, "    channel: shopify\n", "", 1), []string{"crm.yaml:6:", "sources[0].channel"}},
		{"bad warehouse", strings.Replace(base, "kind: duckdb", "kind: postgres", 1), []string{"crm.yaml:2:", "warehouse.kind"}},
		{"unknown key", base + "colour: blue\n", []string{"crm.yaml", "colour"}},
		{"syntax error", base + "sources: [\n", []string{"crm.yaml"}},
		{"missing env", base + "smtp:\n  host: mail.example.com\n  from: a@b.c\n  username_env: X\n  password_env: ${CRMKIT_TEST_PASSWORD}\n", []string{"crm.yaml:22:", "password_env", "CRMKIT_TEST_PASSWORD is not set"}},
		{"bad pattern", base + "identity:\n  block_patterns: ['(']\n", []string{"crm.yaml:19:", "identity.block_patterns[0]"}},
		{"hash without salt", base + "privacy:\n  mode: hash\n", []string{"crm.yaml:19:", "privacy.salt_env"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("crm.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("invalid config accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEnvExpansionSkipsComments(t *testing.T) {
	t.Setenv("CRMKIT_TEST_HOST", "smtp.internal")
	y := base + "# set ${NOT_SET_ANYWHERE} in your shell\nsmtp:\n  host: ${CRMKIT_TEST_HOST} # from ${ALSO_NOT_SET}\n  from: a@b.c\n"
	c, err := Parse("crm.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Host != "smtp.internal" {
		t.Fatalf("host = %q", c.SMTP.Host)
	}
}
