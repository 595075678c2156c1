package valuejobs

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

func TestZZScratch(t *testing.T) {
	path := "/tmp/vj1m/wh.duckdb"
	if _, err := os.Stat(path); err != nil {
		os.MkdirAll("/tmp/vj1m", 0o755)
		wh, err := warehouse.OpenDuckDB(path, warehouse.DuckDBOptions{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range genSQL {
			q = strings.ReplaceAll(q, "{customers}", "1000000")
			if _, err := wh.DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		wh.Close()
	}
	wh, err := warehouse.OpenDuckDB(path, warehouse.DuckDBOptions{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	end := "2024-06-21T00:00:00+08:00"
	src, _ := customersSource(ctx, wh)
	qs := map[string]string{
		"orders":    ordersSQL,
		"rfmcust":   rfmCustomersSQL,
		"cohortcust": fmt.Sprintf(cohortCustomersSQL, src),
		"stats":     statsSQL,
	}
	for _, name := range strings.Fields(os.Getenv("QS")) {
		q, ok := qs[name]
		if !ok {
			q = os.Getenv("Q_" + name)
		}
		for rep := 0; rep < 2; rep++ {
			t0 := time.Now()
			recs, err := wh.Query(ctx, q, end)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d rows %.2fs", name, rows(recs), time.Since(t0).Seconds())
			release(recs)
		}
	}
}
