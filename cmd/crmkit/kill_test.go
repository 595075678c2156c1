package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the crmkit command in a child
// process (CRMKIT_TEST_AS_CLI=1), so a test can SIGKILL a real run.
func TestMain(m *testing.M) {
	if err := registerPlugins(); err != nil {
		panic(err)
	}
	if os.Getenv("CRMKIT_TEST_AS_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestKilledLoadLeavesNoPartialFile kills a child process with SIGKILL in
// the middle of loading a file, then reruns: the warehouse must hold each
// file whole or not at all, the stale lock is taken over, the killed run is
// marked abandoned, and the rerun yields exactly the expected row counts.
func TestKilledLoadLeavesNoPartialFile(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	d := newDemo(t, 600)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "run", "ingest:pos_receipts", "--config", d.config, "--log-format", "json")
	cmd.Env = append(os.Environ(), "CRMKIT_TEST_AS_CLI=1", "CRMKIT_FAULT_BATCH_ROWS=20", "CRMKIT_FAULT_BATCH_SLEEP=40ms")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until two files are committed, then kill during the third.
	sc := bufio.NewScanner(stderr)
	loaded := 0
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"msg":"file loaded"`) {
			loaded++
			if loaded == 2 {
				break
			}
		}
	}
	time.Sleep(100 * time.Millisecond) // inside the third file's transaction
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if loaded < 2 {
		t.Fatalf("child finished before it could be killed (saw %d loads)", loaded)
	}
	if _, err := os.Stat(filepath.Join(d.out, "warehouse.duckdb.lock")); err != nil {
		t.Fatalf("expected the killed process's lock to remain: %v", err)
	}

	// After the kill: only whole files are in the warehouse.
	db := d.db(t)
	var partial int64
	if err := db.QueryRow(`SELECT count(*) FROM (SELECT _load_id, count(*) AS n FROM raw_order_lines GROUP BY 1) r
		LEFT JOIN load_files f ON f.load_id = r._load_id AND f.status = 'loaded' WHERE f.load_id IS NULL OR f.rows_loaded <> r.n`).Scan(&partial); err != nil {
		t.Fatal(err)
	}
	if partial != 0 {
		t.Fatalf("%d files are partly loaded after SIGKILL", partial)
	}
	var filesAfterKill int64
	db.QueryRow(`SELECT count(*) FROM load_files WHERE status = 'loaded'`).Scan(&filesAfterKill)
	d.closeDB()
	if filesAfterKill < 2 || filesAfterKill >= 24 {
		t.Fatalf("%d files committed before the kill, want between 2 and 23", filesAfterKill)
	}

	// The rerun takes over the stale lock, marks the dead run and loads the rest.
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "ingest:pos_receipts", "--config", d.config, "--log-format", "json"}, &out, &errOut); code != 0 {
		t.Fatalf("rerun exited %d: %s %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "took over a stale lock") || !strings.Contains(errOut.String(), "abandoned") {
		t.Errorf("rerun did not report the stale lock and abandoned run:\n%s", errOut.String())
	}
	var want, wantBad int
	for _, f := range d.sum.Files {
		if strings.HasPrefix(f.Path, "pos/") {
			want += f.Rows - f.BadRows
			wantBad += f.BadRows
		}
	}
	db = d.db(t)
	var rows, quar, files int64
	db.QueryRow(`SELECT count(*) FROM raw_order_lines`).Scan(&rows)
	db.QueryRow(`SELECT count(*) FROM quarantine`).Scan(&quar)
	db.QueryRow(`SELECT count(*) FROM load_files WHERE status = 'loaded'`).Scan(&files)
	if rows != int64(want) || quar != int64(wantBad) || files != 24 {
		t.Fatalf("after rerun: %d rows, %d quarantined, %d files; want %d, %d, 24", rows, quar, files, want, wantBad)
	}
	var abandoned int64
	db.QueryRow(`SELECT count(*) FROM job_runs WHERE status = 'abandoned'`).Scan(&abandoned)
	if abandoned != 1 {
		t.Errorf("abandoned runs = %d, want 1", abandoned)
	}
}
