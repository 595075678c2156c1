package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// ReadOnlyWarehouse is a warehouse opened only to read (sql, status).
type ReadOnlyWarehouse interface {
	warehouse.Querier
	warehouse.ReadOnlyQuerier
	Close() error
}

// OpenReadOnly opens the configured warehouse to read, without taking the
// lock (readers do not keep a run out) and without creating anything: a
// DuckDB file is opened read-only with external access off; on BigQuery
// every ad hoc statement is dry-run first and only a query runs. While a
// run writes a DuckDB file no other process can open it: the error then
// names the run holding it (status falls back to the run's heartbeat).
func OpenReadOnly(ctx context.Context, cfg *config.Config) (ReadOnlyWarehouse, error) {
	switch cfg.Warehouse.Kind {
	case "duckdb":
		path := cfg.Resolve(cfg.Warehouse.Path)
		wh, err := warehouse.OpenDuckDBReadOnly(path, warehouse.DuckDBOptions{Threads: cfg.Warehouse.Threads, MemoryLimit: cfg.Warehouse.MemoryLimit})
		if err != nil {
			if h, ok := LiveLockHolder(LockPath(cfg)); ok && !errors.Is(err, warehouse.ErrNoWarehouse) {
				return nil, fmt.Errorf("%w: %w", &LockedError{Path: LockPath(cfg), Holder: h}, err)
			}
			return nil, err
		}
		return wh, nil
	case "bigquery":
		return openBigQueryReadOnly(ctx, cfg)
	default:
		return nil, fmt.Errorf("warehouse kind %q is not available in this build", cfg.Warehouse.Kind)
	}
}

// lockNameChars are the characters a BigQuery lock file name replaces
// (as open_bigquery.go names it).
var lockNameChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// LockPath is the lock file of the configured warehouse (see Open).
func LockPath(cfg *config.Config) string {
	if cfg.Warehouse.Kind == "bigquery" {
		w := cfg.Warehouse
		name := lockNameChars.ReplaceAllString("bigquery-"+w.Project+"-"+w.Dataset, "_")
		return filepath.Join(cfg.Resolve(cfg.OutputDir), name+".lock")
	}
	return cfg.Resolve(cfg.Warehouse.Path) + ".lock"
}

// LiveLockHolder reads the lock file at path and reports its holder when
// that process is alive (or runs on another host, where it cannot be
// checked).
func LiveLockHolder(path string) (LockInfo, bool) {
	h, err := readLock(path)
	if err != nil || h.PID == 0 {
		return LockInfo{}, false
	}
	host, _ := os.Hostname()
	return h, h.Host != host || processAlive(h.PID)
}
