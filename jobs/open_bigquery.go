//go:build !nobigquery

package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// BigQueryGRPCEndpointEnv names the environment variable giving an emulator's
// Storage Read API host:port when warehouse.endpoint points at an emulator
// (the config has no field for it; real BigQuery needs neither).
const BigQueryGRPCEndpointEnv = "CRMKIT_BIGQUERY_GRPC_ENDPOINT"

var unsafeLockChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// openBigQuery opens the configured BigQuery dataset. The lock file lives in
// the output folder (BigQuery has no file to lock beside): it keeps two runs
// of this machine off the same dataset; runs from several machines need the
// scheduler to keep them apart. Credentials come from the environment only
// (warehouse.credentials_env or Application Default Credentials).
func openBigQuery(ctx context.Context, cfg *config.Config, command string) (*Session, error) {
	w := cfg.Warehouse
	dir := cfg.Resolve(cfg.OutputDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	name := unsafeLockChars.ReplaceAllString("bigquery-"+w.Project+"-"+w.Dataset, "_")
	lock, err := AcquireLock(filepath.Join(dir, name+".lock"), command)
	if err != nil {
		return nil, err
	}
	wh, err := warehouse.OpenBigQuery(ctx, warehouse.BigQueryOptions{
		Project: w.Project, Dataset: w.Dataset, Location: w.Location,
		CredentialsEnv: w.CredentialsEnv, Endpoint: w.Endpoint,
		GRPCEndpoint: os.Getenv(BigQueryGRPCEndpointEnv),
	})
	if err != nil {
		lock.Release()
		return nil, err
	}
	s := &Session{WH: wh, Lock: lock, Heartbeat: startHeartbeat(lock.path, command)}
	if err := Prepare(ctx, wh); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
