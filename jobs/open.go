package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Session is an opened, locked warehouse ready for jobs.
type Session struct {
	WH   warehouse.Warehouse
	Lock *Lock
	// Heartbeat tells status what this process runs (pass it to Runner).
	Heartbeat *Heartbeat
}

// Close releases the warehouse and its lock.
func (s *Session) Close() error {
	err := s.WH.Close()
	s.Heartbeat.stop()
	s.Lock.Release()
	return err
}

// Open locks and opens the configured warehouse and creates the bookkeeping
// tables. command names the holder in lock messages.
func Open(ctx context.Context, cfg *config.Config, command string) (*Session, error) {
	switch cfg.Warehouse.Kind {
	case "duckdb":
		path := cfg.Resolve(cfg.Warehouse.Path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create warehouse folder: %w", err)
		}
		lock, err := AcquireLock(path+".lock", command)
		if err != nil {
			return nil, err
		}
		wh, err := warehouse.OpenDuckDB(path, warehouse.DuckDBOptions{Threads: cfg.Warehouse.Threads, MemoryLimit: cfg.Warehouse.MemoryLimit})
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
	case "bigquery":
		return openBigQuery(ctx, cfg, command)
	default:
		return nil, fmt.Errorf("warehouse kind %q is not available in this build", cfg.Warehouse.Kind)
	}
}

// Prepare creates the tables every job relies on.
func Prepare(ctx context.Context, wh warehouse.Warehouse) error {
	migrated, err := ingest.PrepareTables(ctx, wh)
	if err != nil {
		return err
	}
	if err := ensureIdentityAssignments(ctx, wh); err != nil {
		return err
	}
	if err := dropLoadListsWithoutTimes(ctx, wh); err != nil {
		return err
	}
	if migrated {
		// The core views and tables were made over the dropped columns.
		if _, err := BuildCore(ctx, wh); err != nil {
			return fmt.Errorf("rebuild the core tables after dropping old lineage columns: %w", err)
		}
	}
	return EnsureTables(ctx, wh)
}

// dropLoadListsWithoutTimes drops core_loads and identity_graph_loads when
// an earlier version recorded them without loaded_at (loadsSchema): they
// cannot tell a file loaded again from the load they covered, so core and
// the stitch rebuild once, as on a warehouse without them.
func dropLoadListsWithoutTimes(ctx context.Context, wh warehouse.Warehouse) error {
	for _, t := range []string{"core_loads", "identity_graph_loads"} {
		ok, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		cols, err := warehouse.TableColumns(ctx, wh, t)
		if err != nil {
			return err
		}
		if !slices.Contains(cols, "loaded_at") {
			if err := wh.Exec(ctx, coreStatement(warehouse.SQLOf(wh.Dialect()), "drop_table", coreData{Table: t})); err != nil {
				return fmt.Errorf("drop %s recorded without load times: %w", t, err)
			}
		}
	}
	return nil
}
