package jobs

import (
	"context"
	"fmt"
	"time"
)

// Partition is one unit of a backfill: a label and the as-of date the job
// computes for (the last day of the partition).
type Partition struct {
	Label string
	AsOf  time.Time
}

// Partitions splits [from, to] into day or month partitions. A month
// partition's as-of is its last day, or to when the month is cut short.
func Partitions(from, to time.Time, unit string) ([]Partition, error) {
	if to.Before(from) {
		return nil, fmt.Errorf("backfill: --to %s is before --from %s", to.Format("2006-01-02"), from.Format("2006-01-02"))
	}
	var out []Partition
	switch unit {
	case "day":
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			out = append(out, Partition{Label: d.Format("2006-01-02"), AsOf: d})
		}
	case "month", "":
		m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, from.Location())
		for !m.After(to) {
			last := m.AddDate(0, 1, -1)
			if last.After(to) {
				last = to
			}
			out = append(out, Partition{Label: m.Format("2006-01"), AsOf: last})
			m = m.AddDate(0, 1, 0)
		}
	default:
		return nil, fmt.Errorf("backfill: unknown partition unit %q", unit)
	}
	return out, nil
}

// BackfillResult is the outcome of one partition.
type BackfillResult struct {
	Partition Partition
	Runs      []RunRecord
	Err       error
}

// Backfill runs the plan once per partition with the partition's as-of
// date. Model jobs replace their mart rows for that as-of, so a second
// backfill of the same range changes nothing. progress is called after each
// partition.
func (r *Runner) Backfill(ctx context.Context, plan []string, parts []Partition, progress func(done int, p BackfillResult)) ([]BackfillResult, error) {
	var out []BackfillResult
	for i, p := range parts {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		rr := *r
		rr.AsOf = p.AsOf
		rr.Force = true
		chainID := "backfill-" + p.Label + "-" + NewChainID(time.Now())
		res, err := rr.Run(ctx, chainID, p.Label, plan)
		br := BackfillResult{Partition: p}
		if err != nil {
			br.Err = err
		} else {
			br.Runs = res.Runs
			br.Err = res.Err()
		}
		out = append(out, br)
		if progress != nil {
			progress(i+1, br)
		}
	}
	return out, nil
}
