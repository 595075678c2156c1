//go:build nobigquery

package jobs

import (
	"context"
	"fmt"

	"github.com/crmkit/crmkit/config"
)

// openBigQuery fails: this binary was built with the nobigquery tag, which
// leaves the BigQuery client out (see docs/bigquery.md).
func openBigQuery(context.Context, *config.Config, string) (*Session, error) {
	return nil, fmt.Errorf("warehouse kind \"bigquery\": this binary was built with -tags nobigquery; rebuild without it")
}
