package jobs

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Run statuses recorded in job_runs.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
	StatusPartial   = "partial" // succeeded, with rejected files or warnings
	StatusAbandoned = "abandoned"
)

// RunRecord is one row of job_runs.
type RunRecord struct {
	RunID           string     `json:"run_id"`
	ChainID         string     `json:"chain_id"`
	Job             string     `json:"job"`
	Partition       string     `json:"partition"`
	Started         time.Time  `json:"started"`
	Finished        *time.Time `json:"finished,omitempty"`
	Status          string     `json:"status"`
	RowsIn          int64      `json:"rows_in"`
	RowsOut         int64      `json:"rows_out"`
	RowsQuarantined int64      `json:"rows_quarantined"`
	Message         string     `json:"message,omitempty"`
	Error           string     `json:"error,omitempty"`
	Attempt         int        `json:"attempt"`
	// Figures are the job's named measurements (see Result.Figures).
	Figures map[string]float64 `json:"figures,omitempty"`
}

// Duration is the run's wall time (to now while running).
func (r RunRecord) Duration() time.Duration {
	if r.Finished == nil {
		return time.Since(r.Started)
	}
	return r.Finished.Sub(r.Started)
}

func startRun(ctx context.Context, wh warehouse.Warehouse, r RunRecord) error {
	host, _ := os.Hostname()
	return wh.Exec(ctx, runsSQL["start"], r.RunID, r.ChainID, r.Job, r.Partition, r.Started, r.Attempt, host, os.Getpid())
}

func finishRun(ctx context.Context, wh warehouse.Warehouse, r RunRecord, fingerprint string) error {
	return wh.Exec(ctx, runsSQL["finish"], r.Finished, r.Status, r.RowsIn, r.RowsOut, r.RowsQuarantined, r.Message, r.Error, fingerprint, r.RunID, r.Job, r.Attempt)
}

// History returns the last runs, newest first; job filters when not empty.
func History(ctx context.Context, wh warehouse.Querier, job string, limit int) ([]RunRecord, error) {
	if limit <= 0 {
		limit = 50
	}
	return queryRuns(ctx, wh, runsSQL["history"], job, job, limit)
}

// queryRuns scans run records through the Arrow query path so it works on
// every warehouse.
func queryRuns(ctx context.Context, wh warehouse.Querier, q string, args ...any) ([]RunRecord, error) {
	recs, err := wh.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read job_runs: %w", err)
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	var out []RunRecord
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			rr := RunRecord{
				RunID:           warehouse.StringAt(rec, 0, i),
				ChainID:         warehouse.StringAt(rec, 1, i),
				Job:             warehouse.StringAt(rec, 2, i),
				Partition:       warehouse.StringAt(rec, 3, i),
				Status:          warehouse.StringAt(rec, 6, i),
				RowsIn:          warehouse.Int64At(rec, 7, i),
				RowsOut:         warehouse.Int64At(rec, 8, i),
				RowsQuarantined: warehouse.Int64At(rec, 9, i),
				Message:         warehouse.StringAt(rec, 10, i),
				Error:           warehouse.StringAt(rec, 11, i),
				Attempt:         int(warehouse.Int64At(rec, 12, i)),
			}
			rr.Started = warehouse.TimeAt(rec, 4, i)
			if t := warehouse.TimeAt(rec, 5, i); !t.IsZero() {
				rr.Finished = &t
			}
			out = append(out, rr)
		}
	}
	return out, nil
}

// LastPerJob returns the most recent run of every job.
func LastPerJob(ctx context.Context, wh warehouse.Querier) ([]RunRecord, error) {
	return queryRuns(ctx, wh, runsSQL["last_per_job"])
}

// Prune deletes run history (job_runs, source_checks) older than keepDays
// and returns the number of job runs removed. Running rows are kept.
func Prune(ctx context.Context, wh warehouse.Warehouse, keepDays int) (int64, error) {
	if keepDays <= 0 {
		return 0, nil
	}
	cutoff := time.Now().AddDate(0, 0, -keepDays).UTC().Format(time.RFC3339)
	n, err := warehouse.Int64(ctx, wh, runsSQL["count_old"], cutoff)
	if err != nil {
		return 0, err
	}
	if err := wh.Exec(ctx, runsSQL["prune_runs"], cutoff); err != nil {
		return 0, fmt.Errorf("prune job_runs: %w", err)
	}
	if err := warehouse.CreateTable(ctx, wh, "source_checks", SourceChecksSchema); err != nil {
		return n, err
	}
	if err := wh.Exec(ctx, runsSQL["prune_checks"], cutoff); err != nil {
		return n, fmt.Errorf("prune source_checks: %w", err)
	}
	return n, nil
}
