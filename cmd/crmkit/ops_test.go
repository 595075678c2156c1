package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/internal/mailpittest"
)

// TestBackfillTwiceChangesNothing backfills the rfm and clv marts over three
// months, checks one as-of per partition with the expected customers, then
// backfills again and asserts every partition's row count is unchanged.
func TestBackfillTwiceChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("backfill: skipped with -short")
	}
	d := newDemo(t, 800)
	d.run(t, "run")
	perPartition := func() map[string]int64 {
		db := d.db(t)
		defer d.closeDB()
		out := map[string]int64{}
		for _, tb := range []string{"rfm", "customer_clv"} {
			rows, err := db.Query(fmt.Sprintf(`SELECT strftime(as_of, '%%Y-%%m-%%d'), count(*) FROM %s WHERE as_of BETWEEN DATE '2025-01-01' AND DATE '2025-03-31' GROUP BY 1`, tb))
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var day string
				var n int64
				rows.Scan(&day, &n)
				out[tb+"@"+day] = n
			}
			rows.Close()
		}
		return out
	}
	dry := d.run(t, "backfill", "models", "--from", "2025-01-01", "--to", "2025-03-31", "--dry-run")
	if !strings.Contains(dry, "2025-02") || !strings.Contains(dry, "3 partitions") {
		t.Fatalf("dry run:\n%s", dry)
	}
	if got := perPartition(); len(got) != 0 {
		t.Fatalf("dry run wrote rows: %v", got)
	}
	d.run(t, "backfill", "rfm", "--from", "2025-01-01", "--to", "2025-03-31")
	d.run(t, "backfill", "clv", "--from", "2025-01-01", "--to", "2025-03-31")
	first := perPartition()
	for _, k := range []string{"rfm@2025-01-31", "rfm@2025-02-28", "rfm@2025-03-31", "customer_clv@2025-01-31", "customer_clv@2025-02-28", "customer_clv@2025-03-31"} {
		if first[k] == 0 {
			t.Errorf("partition %s has no rows: %v", k, first)
		}
	}
	// Customers who bought by the end of January are a subset of those by March.
	if first["rfm@2025-01-31"] > first["rfm@2025-03-31"] {
		t.Errorf("rfm population shrank: %v", first)
	}
	d.run(t, "backfill", "rfm", "--from", "2025-01-01", "--to", "2025-03-31")
	d.run(t, "backfill", "clv", "--from", "2025-01-01", "--to", "2025-03-31")
	second := perPartition()
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Fatalf("second backfill changed partitions:\n first %v\nsecond %v", first, second)
	}
}

// TestFailedCheckSendsOneAlert runs the chain with a quality check that
// must fail against a real SMTP server (mailpit): the run exits non-zero,
// the check lands in source_checks, the support scorecard is still
// published, and exactly one alert reaches the operator.
func TestFailedCheckSendsOneAlert(t *testing.T) {
	if testing.Short() {
		t.Skip("alert: skipped with -short")
	}
	mp := mailpittest.Start(t)
	d := newDemo(t, 500)
	raw, err := os.ReadFile(d.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	// The service tickets source now needs far more rows than exist.
	idx := strings.Index(cfg, "name: service_tickets")
	if idx < 0 {
		t.Fatal("example config has no service_tickets source")
	}
	rest := strings.Replace(cfg[idx:], "min_rows: 1,", "min_rows: 100000000,", 1)
	cfg = cfg[:idx] + rest
	// Deliver through the SMTP server; only the operator alert is asserted.
	cfg += fmt.Sprintf("\nsmtp:\n  host: 127.0.0.1\n  port: %d\n  tls: none\n  from: crmkit@example.com\n", mp.SMTPPort)
	cfg = strings.Replace(cfg, "deliveries:", "deliveries_disabled:", 1)
	if err := os.WriteFile(d.config, []byte(stripSection(cfg, "deliveries_disabled:")), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run([]string{"run", "--config", d.config, "--log-format", "json", "-q"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit code %d, want 1\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "service_tickets min_rows") {
		t.Errorf("stderr does not name the failed check:\n%s", errOut.String())
	}
	if _, err := os.Stat(d.out + "/support.html"); err != nil {
		t.Errorf("support scorecard not published after a failed check: %v", err)
	}
	db := d.db(t)
	var failed int64
	db.QueryRow(`SELECT count(*) FROM source_checks WHERE NOT ok AND source = 'service_tickets' AND "check" = 'min_rows'`).Scan(&failed)
	if failed != 1 {
		t.Errorf("failed checks recorded: %d, want 1", failed)
	}
	msgs := mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("mailpit received %d messages, want exactly 1 alert", len(msgs))
	}
	m := msgs[0]
	if len(m.To) != 1 || m.To[0].Address != "oncall@example.com" || !strings.Contains(m.Subject, "checks") {
		t.Fatalf("alert %+v", m)
	}
	body := mp.Text(t, m.ID)
	for _, want := range []string{"job: checks", "min_rows", "service_tickets"} {
		if !strings.Contains(body, want) {
			t.Errorf("alert body lacks %q:\n%s", want, body)
		}
	}
}

// stripSection removes a top-level YAML section: its key line and the
// indented or blank lines under it.
func stripSection(y, key string) string {
	var out []string
	skip := false
	for _, l := range strings.Split(y, "\n") {
		switch {
		case strings.HasPrefix(l, key):
			skip = true
		case skip && (strings.TrimSpace(l) == "" || strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")):
		default:
			skip = false
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
