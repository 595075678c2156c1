package jobs

import (
	"context"
	"errors"
	"net"
	"syscall"
)

// Retryable is implemented by errors that know whether trying again can
// help (SMTP 4xx, BigQuery 5xx and rate limits implement it in their
// packages).
type Retryable interface{ Retryable() bool }

// DefaultRetryable classifies errors for jobs that set no classifier of
// their own: an error that says it is retryable, a network timeout, a
// refused or reset connection. Everything else (bad config, schema
// mismatch, failed checks, data errors) is permanent.
func DefaultRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrCheckFailed) {
		return false
	}
	var r Retryable
	if errors.As(err, &r) {
		return r.Retryable()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, context.DeadlineExceeded)
}
