// Package retry holds the one backoff policy shared by job retries
// (jobs.Runner) and mail delivery (reports.Mailer): wait Base before the
// first retry and double the wait before each one after it.
//
// It is written here rather than taken from a backoff library because the
// callers keep their own attempt loops (the runner records every attempt in
// job_runs, the mailer retries only the messages still pending), so all they
// share is this delay and a context-aware sleep.
package retry

import (
	"context"
	"math"
	"time"
)

// Backoff is exponential backoff without jitter.
type Backoff struct {
	Base time.Duration // wait before the first retry
}

// Delay returns the wait before retry n (n = 1 for the first retry):
// Base·2^(n-1), saturating at the largest Duration instead of overflowing.
// n < 1 counts as 1.
func (b Backoff) Delay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if b.Base <= 0 {
		return 0
	}
	d := b.Base
	for i := 1; i < n; i++ {
		if d > math.MaxInt64/2 {
			return math.MaxInt64
		}
		d *= 2
	}
	return d
}

// Sleep waits for d, or returns ctx.Err() as soon as ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
