package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
)

// TestSchedulerStopsOnSignal starts `crmkit schedule` in a child process
// with an every-minute cron, sends SIGTERM once it reaches the named log
// line, and counts what it recorded. The bound on the exit is generous (it
// only catches a daemon that ignores the signal, as it used to).
func TestSchedulerStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("scheduler process test: skipped with -short")
	}
	cases := []struct {
		name string
		// history seeds one finished slot this many minutes ago (0: none).
		historyMinutesAgo int
		catchup           string // jobs.catchup and jobs.catchup_max_runs
		signalAt          string // log message after which SIGTERM is sent
		wantChains        int64  // distinct scheduled chains in job_runs after exit
	}{
		{"first start, no history: no catch-up", 0, "catchup: latest\n  catchup_max_runs: 3", `"msg":"scheduled"`, 0},
		// Five missed slots are planned; the stop signal arrives while the
		// first runs: it finishes (grace 10m) and no other starts.
		{"stop during catch-up runs no further slot", 6, "catchup: all\n  catchup_max_runs: 5", `"msg":"catching up missed run"`, 2},
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDemo(t, 60)
			raw, err := os.ReadFile(d.config)
			if err != nil {
				t.Fatal(err)
			}
			cfg := strings.Replace(string(raw), `cron: "0 2 * * *"`, `cron: "* * * * *"`, 1)
			cfg = strings.Replace(cfg, "    timezone: Asia/Shanghai\n\n# -- Scorecards", "    timezone: UTC\n\n# -- Scorecards", 1)
			cfg = regexp.MustCompile(`catchup: latest.*\n.*\n  catchup_max_runs: 3`).ReplaceAllString(cfg, c.catchup)
			if !strings.Contains(cfg, c.catchup) {
				t.Fatal("example config has no catchup settings")
			}
			if err := os.WriteFile(d.config, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			if c.historyMinutesAgo > 0 {
				cfg, err := config.Load(d.config)
				if err != nil {
					t.Fatal(err)
				}
				sess, err := jobs.Open(context.Background(), cfg, "test") // creates the warehouse and its tables
				if err != nil {
					t.Fatal(err)
				}
				sess.Close()
				slot := time.Now().UTC().Truncate(time.Minute).Add(-time.Duration(c.historyMinutesAgo) * time.Minute)
				db := d.db(t)
				if _, err := db.Exec(`INSERT INTO job_runs (run_id, chain_id, job, started, finished, status, attempt)
					VALUES (?, ?, 'ingest:tmall_orders', now(), now(), 'succeeded', 1)`, jobs.ScheduledChainID("chain", slot), jobs.ScheduledChainID("chain", slot)); err != nil {
					t.Fatal(err)
				}
				d.closeDB()
			} else if s := time.Now().Second(); s >= 30 {
				// Start well clear of a minute boundary, so the every-minute
				// schedule cannot fire before the signal.
				time.Sleep(time.Duration(61-s) * time.Second)
			}
			cmd := exec.Command(exe, "schedule", "--config", d.config, "--log-format", "json", "--grace", "10m")
			cmd.Env = append(os.Environ(), "CRMKIT_TEST_AS_CLI=1")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stderr)
			var log []string
			reached := false
			for sc.Scan() {
				log = append(log, sc.Text())
				if strings.Contains(sc.Text(), c.signalAt) {
					reached = true
					break
				}
			}
			if !reached {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("child never logged %s:\n%s", c.signalAt, strings.Join(log, "\n"))
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			go func() {
				for sc.Scan() {
				}
			}()
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("scheduler exited with %v after SIGTERM", err)
				}
			case <-time.After(3 * time.Minute):
				_ = cmd.Process.Kill()
				t.Fatal("scheduler still running 3 minutes after SIGTERM")
			}
			db := d.db(t)
			var chains, running int64
			if err := db.QueryRow(`SELECT count(DISTINCT chain_id), count(*) FILTER (WHERE status = 'running') FROM job_runs`).Scan(&chains, &running); err != nil {
				t.Fatal(err)
			}
			if chains != c.wantChains || running != 0 {
				t.Fatalf("job_runs holds %d chains (%d rows running), want %d and 0", chains, running, c.wantChains)
			}
		})
	}
}
