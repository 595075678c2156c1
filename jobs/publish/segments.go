package publish

import (
	"context"
	"time"

	"github.com/crmkit/crmkit/jobs"
)

// WriteSegments evaluates the configured segments and writes their files;
// it returns the number of files written.
func WriteSegments(ctx context.Context, env *jobs.Env, asOf time.Time, out string) (int, error) {
	return 0, nil
}
