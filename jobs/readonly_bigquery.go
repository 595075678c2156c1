//go:build !nobigquery

package jobs

import (
	"context"
	"os"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// openBigQueryReadOnly opens the configured dataset for sql and status; its
// QueryReadOnly dry-runs every ad hoc statement first.
func openBigQueryReadOnly(ctx context.Context, cfg *config.Config) (ReadOnlyWarehouse, error) {
	w := cfg.Warehouse
	return warehouse.OpenBigQuery(ctx, warehouse.BigQueryOptions{
		Project: w.Project, Dataset: w.Dataset, Location: w.Location,
		CredentialsEnv: w.CredentialsEnv, Endpoint: w.Endpoint,
		GRPCEndpoint: os.Getenv(BigQueryGRPCEndpointEnv),
	})
}
