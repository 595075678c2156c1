package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// heartbeatKeep bounds the job records a heartbeat file keeps (a long
// backfill records many): the newest ones are kept.
const heartbeatKeep = 200

// HeartbeatState is the content of a heartbeat file: the process holding
// the warehouse and the state of the jobs it ran or runs.
type HeartbeatState struct {
	PID     int         `json:"pid"`
	Host    string      `json:"host"`
	Command string      `json:"command"`
	Started time.Time   `json:"started"`
	Updated time.Time   `json:"updated"`
	Runs    []RunRecord `json:"runs"`
}

// Alive reports whether the process that wrote the state still runs (a
// process on another host is taken as alive: it cannot be checked).
func (s HeartbeatState) Alive() bool {
	host, _ := os.Hostname()
	return s.Host != host || processAlive(s.PID)
}

// Heartbeat is a JSON file beside the warehouse lock that the process
// holding the warehouse rewrites at every job start and end. A DuckDB
// file being written cannot be opened by any other process, so `status`
// reads this file instead while a run goes on; a file left by a killed
// process shows its jobs as abandoned.
type Heartbeat struct {
	path string
	mu   sync.Mutex
	st   HeartbeatState
}

// heartbeatPath is the heartbeat file that goes with a lock file.
func heartbeatPath(lockPath string) string {
	return strings.TrimSuffix(lockPath, ".lock") + ".heartbeat.json"
}

// HeartbeatPath is the heartbeat file of the configured warehouse.
func HeartbeatPath(cfg *config.Config) string { return heartbeatPath(LockPath(cfg)) }

// startHeartbeat writes the first state of a heartbeat; a failure to write
// is logged by nobody: the heartbeat only informs status.
func startHeartbeat(lockPath, command string) *Heartbeat {
	host, _ := os.Hostname()
	now := time.Now().UTC()
	h := &Heartbeat{path: heartbeatPath(lockPath), st: HeartbeatState{PID: os.Getpid(), Host: host, Command: command, Started: now, Updated: now}}
	h.mu.Lock()
	h.write()
	h.mu.Unlock()
	return h
}

// Record adds or updates one job run (keyed by run id, job and attempt).
func (h *Heartbeat) Record(rec RunRecord) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	rec.Figures = nil
	found := false
	for i, r := range h.st.Runs {
		if r.RunID == rec.RunID && r.Job == rec.Job && r.Attempt == rec.Attempt && r.Partition == rec.Partition {
			h.st.Runs[i], found = rec, true
			break
		}
	}
	if !found {
		h.st.Runs = append(h.st.Runs, rec)
		if len(h.st.Runs) > heartbeatKeep {
			h.st.Runs = h.st.Runs[len(h.st.Runs)-heartbeatKeep:]
		}
	}
	h.st.Updated = time.Now().UTC()
	h.write()
}

func (h *Heartbeat) write() {
	b, err := json.MarshalIndent(h.st, "", "  ")
	if err != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", h.path, os.Getpid())
	if os.WriteFile(tmp, b, 0o644) == nil {
		if os.Rename(tmp, h.path) != nil {
			os.Remove(tmp)
		}
	}
}

// stop removes the heartbeat file when it is still this process's.
func (h *Heartbeat) stop() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if st, err := ReadHeartbeat(h.path); err == nil && st.PID == os.Getpid() {
		os.Remove(h.path)
	}
}

// ReadHeartbeat reads a heartbeat file. Runs of a process that no longer
// exists are shown as abandoned, as MarkAbandoned will record them.
func ReadHeartbeat(path string) (HeartbeatState, error) {
	var st HeartbeatState
	b, err := os.ReadFile(path)
	if err != nil {
		return st, fmt.Errorf("read heartbeat: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("heartbeat %s: %w", path, err)
	}
	if !st.Alive() {
		for i := range st.Runs {
			if st.Runs[i].Status == StatusRunning {
				st.Runs[i].Status = StatusAbandoned
				st.Runs[i].Error = abandonedMessage
			}
		}
	}
	return st, nil
}

// abandonedMessage is the error of a run whose process ended mid-job.
const abandonedMessage = "process ended while the job was running (crash or kill)"

// ShowAbandoned rewrites, in runs read from job_runs, the status of runs
// still marked running whose process (on this host) no longer exists to
// abandoned, without writing anything: a read-only reader sees what the
// next run will record.
func ShowAbandoned(ctx context.Context, q warehouse.Querier, runs []RunRecord) error {
	recs, err := q.Query(ctx, runsSQL["running"])
	if err != nil {
		return fmt.Errorf("read running jobs: %w", err)
	}
	defer warehouse.Release(recs)
	host, _ := os.Hostname()
	dead := map[string]bool{}
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			if pid := int(warehouse.Int64At(rec, 3, i)); warehouse.StringAt(rec, 4, i) == host && !processAlive(pid) {
				dead[fmt.Sprintf("%s|%s|%d", warehouse.StringAt(rec, 0, i), warehouse.StringAt(rec, 1, i), warehouse.Int64At(rec, 2, i))] = true
			}
		}
	}
	for i, r := range runs {
		if r.Status == StatusRunning && dead[fmt.Sprintf("%s|%s|%d", r.RunID, r.Job, r.Attempt)] {
			runs[i].Status, runs[i].Error = StatusAbandoned, abandonedMessage
		}
	}
	return nil
}
