package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestSQLIsReadOnly runs, through the CLI, the statements the issue found
// succeeding: each exits 1 and changes nothing (the job_runs rows and
// their statuses are the same, no file appears); a query still answers.
func TestSQLIsReadOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("sql: skipped with -short")
	}
	d := newDemo(t, 60)
	d.run(t, "run", "ingest:pos_receipts")
	snapshot := func() string {
		db := d.db(t)
		defer d.closeDB()
		var s string
		if err := db.QueryRow(`SELECT count(*) || ':' || string_agg(job || '=' || status, ',' ORDER BY job) FROM job_runs`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot()
	if before != "1:ingest:pos_receipts=succeeded" {
		t.Fatalf("job_runs before: %s", before)
	}
	leak := filepath.Join(d.dir, "leak")
	cases := []struct{ name, sql, want string }{
		{"delete", "DELETE FROM job_runs", "DELETE statement refused"},
		{"update", "UPDATE job_runs SET status = 'failed'", "UPDATE statement refused"},
		{"drop", "DROP TABLE job_runs", "DROP statement refused"},
		{"copy to a file", "COPY job_runs TO '" + leak + ".csv'", "file system operations are disabled"},
		{"attach", "ATTACH '" + leak + ".duckdb' AS x", "ATTACH statement refused"},
		{"read /etc/passwd", "SELECT * FROM read_csv_auto('/etc/passwd')", "file system operations are disabled"},
		{"install", "INSTALL httpfs", "LOAD/INSTALL statement refused"},
		{"two statements", "SELECT 1; DELETE FROM job_runs", "refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run([]string{"sql", c.sql, "--config", d.config, "-q"}, &out, &errOut)
			if code != 1 || !strings.Contains(errOut.String(), c.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errOut.String(), c.want)
			}
			if got := snapshot(); got != before {
				t.Fatalf("job_runs changed: %s -> %s", before, got)
			}
		})
	}
	for _, p := range []string{leak + ".csv", leak + ".duckdb"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	if got := d.run(t, "sql", "SELECT count(*) AS n FROM job_runs WHERE status = 'succeeded'"); strings.Fields(got)[1] != "1" {
		t.Fatalf("query printed %q", got)
	}
}

// TestStatusDuringAndAfterARun: while a child process holds the warehouse,
// status answers from the run's heartbeat and sql is refused naming the
// holder; after the child is killed, status shows the run as abandoned
// without writing (job_runs still says running until the next run marks
// it).
func TestStatusDuringAndAfterARun(t *testing.T) {
	if testing.Short() {
		t.Skip("status: skipped with -short")
	}
	d := newDemo(t, 300)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "run", "ingest:pos_receipts", "--config", d.config, "--log-format", "json")
	cmd.Env = append(os.Environ(), "CRMKIT_TEST_AS_CLI=1", "CRMKIT_FAULT_BATCH_ROWS=20", "CRMKIT_FAULT_BATCH_SLEEP=200ms")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"msg":"file loaded"`) {
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	status := func() (int, string) {
		var out, errOut bytes.Buffer
		code := run([]string{"status", "--config", d.config, "-q"}, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	code, out := status()
	if code != 0 || !strings.Contains(out, "run in progress: crmkit run") || !regexpMatch(`ingest:pos_receipts\s.*\srunning\s`, out) {
		t.Fatalf("status during the run: exit %d\n%s", code, out)
	}
	var sqlOut, sqlErr bytes.Buffer
	if code := run([]string{"sql", "SELECT 1", "--config", d.config, "-q"}, &sqlOut, &sqlErr); code != 1 || !strings.Contains(sqlErr.String(), "warehouse is in use by pid") {
		t.Fatalf("sql during the run: exit %d %s", code, sqlErr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	code, out = status()
	if code != 0 || !regexpMatch(`ingest:pos_receipts\s.*\sabandoned\s`, out) || strings.Contains(out, "in progress") {
		t.Fatalf("status after the kill: exit %d\n%s", code, out)
	}
	db := d.db(t)
	var running int64
	if err := db.QueryRow(`SELECT count(*) FROM job_runs WHERE status = 'running'`).Scan(&running); err != nil {
		t.Fatal(err)
	}
	if running != 1 {
		t.Fatalf("%d rows running after status, want 1 (status must not write)", running)
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
