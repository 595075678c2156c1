package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/internal/mailpittest"
)

// TestMailSentOnce runs the chain against a real SMTP server (mailpit)
// behind a front that refuses one recipient at RCPT TO, and counts what
// each of the four delivery recipients of the example config received.
// A retry (the mailer's or the job's) and a rerun of the same as-of date
// never resend what was accepted; --resend does; a message refused for
// good is kept as .eml with its error beside it.
func TestMailSentOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("mail: skipped with -short")
	}
	recipients := []string{"ceo@example.com", "east.manager@example.com", "south.manager@example.com", "ops@example.com"}
	cases := []struct {
		name     string
		refuse   map[string]mailpittest.Refusal
		wantExit int
		// wantRecv is the messages each recipient holds after the run;
		// absent recipients hold 1.
		wantRecv     map[string]int
		wantLog      string // mail_deliveries: status=count, ...
		wantRefusals int    // RCPT refusals of the refused recipient
		undelivered  string // .eml kept under out/mail/undelivered ("" none)
	}{
		{"451 once: accepted on the mailer's retry",
			map[string]mailpittest.Refusal{"east.manager@example.com": {Code: 451, Times: 1}}, 0,
			nil, "accepted=4", 1, ""},
		{"451 three times: the job's retry sends only the refused one",
			map[string]mailpittest.Refusal{"east.manager@example.com": {Code: 451, Times: 3}}, 0,
			nil, "accepted=4,failed=1", 3, ""},
		{"550: kept as .eml, the others sent once",
			map[string]mailpittest.Refusal{"south.manager@example.com": {Code: 550, Times: -1}}, 1,
			map[string]int{"south.manager@example.com": 0}, "accepted=3,failed=1", 1, "operations_by_region_south.manager@example.com_"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mailpittest.Start(t)
			front := mp.Front(t, c.refuse)
			d := newDemo(t, 120)
			raw, err := os.ReadFile(d.config)
			if err != nil {
				t.Fatal(err)
			}
			cfg := strings.Replace(string(raw), "retry_backoff: 2s", "retry_backoff: 50ms", 1)
			cfg += fmt.Sprintf("\nsmtp:\n  host: 127.0.0.1\n  port: %d\n  tls: none\n  from: crmkit@example.com\n", front.Port)
			if err := os.WriteFile(d.config, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			received := func() map[string]int {
				got := map[string]int{}
				for _, m := range mp.Messages(t) {
					for _, to := range m.To {
						got[to.Address]++
					}
				}
				return got
			}
			check := func(when string, times int) {
				t.Helper()
				got := received()
				for _, r := range recipients {
					want := 1
					if w, ok := c.wantRecv[r]; ok {
						want = w
					}
					if got[r] != want*times {
						t.Errorf("%s: %s received %d messages, want %d (all: %v)", when, r, got[r], want*times, got)
					}
				}
			}
			var out, errOut bytes.Buffer
			if code := run([]string{"run", "--config", d.config, "--log-format", "json", "-q"}, &out, &errOut); code != c.wantExit {
				t.Fatalf("run exited %d, want %d\n%s", code, c.wantExit, errOut.String())
			}
			check("first run", 1)
			if n := front.Refusals(firstKey(c.refuse)); n != c.wantRefusals {
				t.Errorf("refusals %d, want %d", n, c.wantRefusals)
			}
			db := d.db(t)
			var log string
			if err := db.QueryRow(`SELECT string_agg(status || '=' || n, ',' ORDER BY status) FROM (SELECT status, count(*) AS n FROM mail_deliveries GROUP BY 1)`).Scan(&log); err != nil {
				t.Fatal(err)
			}
			if log != c.wantLog {
				t.Errorf("mail_deliveries %s, want %s", log, c.wantLog)
			}
			d.closeDB()
			files, _ := filepath.Glob(filepath.Join(d.out, "mail", "undelivered", "*"))
			switch {
			case c.undelivered == "" && len(files) != 0:
				t.Errorf("undelivered files %v, want none", files)
			case c.undelivered != "":
				if len(files) != 2 || !strings.Contains(files[0], c.undelivered) || !strings.HasSuffix(files[0], ".eml") || !strings.HasSuffix(files[1], ".error.txt") {
					t.Fatalf("undelivered files %v, want one .eml and its .error.txt for %s", files, c.undelivered)
				}
				note, _ := os.ReadFile(files[1])
				eml, _ := os.ReadFile(files[0])
				if !strings.Contains(string(note), "550") || !strings.Contains(string(eml), "To: <south.manager@example.com>") {
					t.Errorf("undelivered note:\n%s\neml head:\n%.300s", note, eml)
				}
			}
			if c.wantExit != 0 {
				return
			}
			// A rerun of the same as-of date sends nothing; --resend sends again.
			d.run(t, "run", "publish", "--force")
			check("rerun of the same as-of", 1)
			d.run(t, "run", "publish", "--force", "--resend")
			check("rerun with --resend", 2)
		})
	}
}

func firstKey(m map[string]mailpittest.Refusal) string {
	for k := range m {
		return k
	}
	return ""
}
