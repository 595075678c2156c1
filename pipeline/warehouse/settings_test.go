package warehouse

import (
	"context"
	"testing"
)

// TestOpenDuckDBSettings: every connection of a warehouse opened by
// OpenDuckDB has the session settings the chain's figures were measured
// with (the allocator's purging, insertion order, checkpoint threshold),
// and the options' threads and memory limit.
func TestOpenDuckDBSettings(t *testing.T) {
	ctx := context.Background()
	wh, err := OpenDuckDB(t.TempDir()+"/w.duckdb", DuckDBOptions{Threads: 1, MemoryLimit: "512MiB"})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	for _, c := range []struct{ setting, want string }{
		{"allocator_background_threads", "true"},
		{"allocator_flush_threshold", "30.5 MiB"}, // 32 MB
		{"preserve_insertion_order", "false"},
		{"checkpoint_threshold", "953.6 MiB"}, // 1 GB
		{"threads", "1"},
		{"memory_limit", "512.0 MiB"},
	} {
		var got string
		if err := wh.QueryRow(ctx, "SELECT CAST(current_setting('"+c.setting+"') AS VARCHAR)", nil, &got); err != nil {
			t.Fatalf("%s: %v", c.setting, err)
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.setting, got, c.want)
		}
	}
}
