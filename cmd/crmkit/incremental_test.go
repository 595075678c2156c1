package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lastChainStatuses returns job -> "status|message" for the newest chain
// in job_runs.
func lastChainStatuses(t *testing.T, d *demoEnv) (string, map[string]string) {
	t.Helper()
	db := d.db(t)
	defer d.closeDB()
	var chain string
	if err := db.QueryRow(`SELECT chain_id FROM job_runs ORDER BY started DESC LIMIT 1`).Scan(&chain); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT job, status, coalesce(message, '') FROM job_runs WHERE chain_id = ?`, chain)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var job, st, msg string
		if err := rows.Scan(&job, &st, &msg); err != nil {
			t.Fatal(err)
		}
		out[job] = st + "|" + msg
	}
	return chain, out
}

// TestUnchangedRunSkipsEveryJob runs the chain, runs it again with nothing
// new, and checks in job_runs that every job but checks (which reads the
// clock: the age of the newest file) was skipped, each naming the run it
// matches. Then a change to one model's config section reruns the models
// and publish, and not ingest, stitch or core (core reads no config); a
// new file reruns stitch, core and the models.
func TestUnchangedRunSkipsEveryJob(t *testing.T) {
	if testing.Short() {
		t.Skip("chain: skipped with -short")
	}
	d := newDemo(t, 300)
	d.run(t, "run")
	first, runs := lastChainStatuses(t, d)
	for job, st := range runs {
		if !strings.HasPrefix(st, "succeeded|") && !strings.HasPrefix(st, "partial|") {
			t.Fatalf("first run: %s %s", job, st)
		}
	}
	if len(runs) < 10 {
		t.Fatalf("first run ran %d jobs: %v", len(runs), runs)
	}

	d.run(t, "run")
	_, again := lastChainStatuses(t, d)
	if len(again) != len(runs) {
		t.Fatalf("second run has %d jobs, first %d", len(again), len(runs))
	}
	for job, st := range again {
		want := "skipped|inputs unchanged since run " + first
		if job == "checks" {
			want = "succeeded|"
		}
		if !strings.HasPrefix(st, want) {
			t.Errorf("second run: %s is %q, want %q", job, st, want)
		}
	}

	// A model's config section changes: the models and publish run again
	// (each hashes the config), core and everything before it do not.
	raw, err := os.ReadFile(d.config)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "horizon_months:") {
		t.Fatal("example config has no models.clv.horizon_months")
	}
	changed := strings.Replace(string(raw), "horizon_months:", "horizon_months: 13 #", 1)
	if err := os.WriteFile(d.config, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	d.run(t, "run")
	_, cfgRun := lastChainStatuses(t, d)
	for job, st := range cfgRun {
		status := strings.SplitN(st, "|", 2)[0]
		want := "succeeded"
		if strings.HasPrefix(job, "ingest:") || job == "stitch" || job == "core" {
			want = "skipped"
		}
		if status != want && !(want == "succeeded" && status == "partial") {
			t.Errorf("after a config change: %s is %q, want %s", job, st, want)
		}
	}

	// A new file: its ingest job, stitch, core and the models run; the
	// other sources' ingest jobs are skipped.
	files, _ := filepath.Glob(filepath.Join(d.data, "service", "tickets_*.csv"))
	if len(files) == 0 {
		t.Fatal("no ticket files generated")
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The header and the first ticket of the first file under a new
	// ticket id: a file no one loaded before.
	lines := strings.SplitN(string(b), "\n", 3)
	cols := strings.Split(lines[0], ",")
	fields := strings.Split(lines[1], ",")
	if len(cols) < 2 || cols[0] != "ticket_id" || len(fields) != len(cols) {
		t.Fatalf("ticket file does not start with a plain ticket_id column:\n%s\n%s", lines[0], lines[1])
	}
	fields[0] += "-late"
	late := filepath.Join(d.data, "service", "tickets_2099-01.csv")
	if err := os.WriteFile(late, []byte(lines[0]+"\n"+strings.Join(fields, ",")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.run(t, "run")
	_, fileRun := lastChainStatuses(t, d)
	for job, st := range fileRun {
		status := strings.SplitN(st, "|", 2)[0]
		want := "succeeded"
		if strings.HasPrefix(job, "ingest:") && job != "ingest:service_tickets" {
			want = "skipped"
		}
		if status != want && !(want == "succeeded" && status == "partial") {
			t.Errorf("after a new file: %s is %q, want %s", job, st, want)
		}
	}
}
