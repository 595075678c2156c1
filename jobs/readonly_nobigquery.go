//go:build nobigquery

package jobs

import (
	"context"

	"github.com/crmkit/crmkit/config"
)

func openBigQueryReadOnly(ctx context.Context, cfg *config.Config) (ReadOnlyWarehouse, error) {
	_, err := openBigQuery(ctx, cfg, "")
	return nil, err
}
