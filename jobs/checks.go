package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// ErrCheckFailed marks a failed freshness or quality check (not retryable).
var ErrCheckFailed = errors.New("source check failed")

// CheckResult is one evaluated check.
type CheckResult struct {
	Source, Check    string
	Value, Threshold float64
	OK               bool
	Detail           string
}

// EvaluateChecks runs every source's configured checks: max_age of the
// newest file in the drop folder, min_rows loaded in total, and the maximum
// share of quarantined rows over the source's loads. now is injectable for
// tests.
func EvaluateChecks(ctx context.Context, env *Env, now time.Time) ([]CheckResult, error) {
	var out []CheckResult
	for _, s := range env.Cfg.Sources {
		c := s.Checks
		if c.MaxAge > 0 {
			files, _ := filepath.Glob(env.Cfg.Resolve(s.Path))
			var newest time.Time
			for _, f := range files {
				if st, err := os.Stat(f); err == nil && st.ModTime().After(newest) {
					newest = st.ModTime()
				}
			}
			r := CheckResult{Source: s.Name, Check: "max_age_hours", Threshold: c.MaxAge.D().Hours()}
			if newest.IsZero() {
				r.Value, r.Detail = -1, "no file matches "+s.Path
			} else {
				r.Value = now.Sub(newest).Hours()
				r.OK = now.Sub(newest) <= c.MaxAge.D()
				r.Detail = "newest file modified " + newest.UTC().Format(time.RFC3339)
			}
			out = append(out, r)
		}
		var loaded, read, quar *int64
		if err := env.WH.QueryRow(ctx, checksSQL["source_loads"], []any{s.Name}, &loaded, &read, &quar); err != nil {
			return nil, err
		}
		v := func(p *int64) float64 {
			if p == nil {
				return 0
			}
			return float64(*p)
		}
		if c.MinRows > 0 {
			out = append(out, CheckResult{Source: s.Name, Check: "min_rows", Value: v(loaded), Threshold: float64(c.MinRows), OK: v(loaded) >= float64(c.MinRows)})
		}
		if c.MaxQuarantineRatio > 0 && v(read) > 0 {
			ratio := v(quar) / v(read)
			out = append(out, CheckResult{Source: s.Name, Check: "max_quarantine_ratio", Value: ratio, Threshold: c.MaxQuarantineRatio, OK: ratio <= c.MaxQuarantineRatio,
				Detail: fmt.Sprintf("%d of %d rows quarantined", int64(v(quar)), int64(v(read)))})
		}
	}
	return out, nil
}

func runChecks(ctx context.Context, env *Env) (Result, error) {
	results, err := EvaluateChecks(ctx, env, time.Now())
	if err != nil {
		return Result{}, err
	}
	if err := warehouse.CreateTable(ctx, env.WH, "source_checks", SourceChecksSchema); err != nil {
		return Result{}, err
	}
	var failed []string
	err = env.WH.InTx(ctx, func(tx warehouse.Tx) error {
		for _, r := range results {
			if err := tx.Exec(ctx, checksSQL["record_check"], env.RunID, r.Source, r.Check, r.Value, r.Threshold, r.OK, r.Detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	for _, r := range results {
		if !r.OK {
			failed = append(failed, fmt.Sprintf("%s %s = %.4g (limit %.4g) %s", r.Source, r.Check, r.Value, r.Threshold, r.Detail))
		}
	}
	res := Result{RowsOut: int64(len(results)), Message: fmt.Sprintf("%d checks, %d failed", len(results), len(failed))}
	if len(failed) > 0 {
		return res, fmt.Errorf("%w: %s", ErrCheckFailed, strings.Join(failed, "; "))
	}
	return res, nil
}
