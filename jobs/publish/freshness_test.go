package publish

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// The freshness read from publish_load_events, kept up to date load by
// load, equals the freshness read from every raw row (the reference) after
// each step of random sequences of new loads, files unloaded, a file
// loaded again with other rows, and a full rebuild; one step is checked
// against values worked out by hand.
func TestLoadFreshnessEqualsRawRows(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(":memory:", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE load_files (load_id VARCHAR, source VARCHAR, status VARCHAR, rows_loaded BIGINT, rows_quarantined BIGINT, loaded_at TIMESTAMPTZ)`,
		`CREATE TABLE raw_order_lines (_load_id VARCHAR, order_ts TIMESTAMPTZ)`,
		`CREATE TABLE raw_service_tickets (_load_id VARCHAR, opened_ts TIMESTAMPTZ, closed_ts TIMESTAMPTZ)`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{Sources: []config.Source{{Name: "tmall", Table: "order_lines"}, {Name: "jd", Table: "order_lines"},
		{Name: "tickets", Table: "service_tickets"}, {Name: "erp", Table: "products"}}}
	base := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	loadedAt := base.Add(24 * time.Hour)
	n := 0
	load := func(src string, times []time.Time, closed []time.Time) string {
		n++
		id := fmt.Sprintf("L%03d", n)
		loadedAt = loadedAt.Add(time.Minute)
		for i, ts := range times {
			var err error
			if src == "tickets" {
				var c any
				if i < len(closed) {
					c = closed[i]
				}
				err = wh.Exec(ctx, `INSERT INTO raw_service_tickets VALUES (?, ?, ?)`, id, ts, c)
			} else {
				err = wh.Exec(ctx, `INSERT INTO raw_order_lines VALUES (?, ?)`, id, ts)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := wh.Exec(ctx, `INSERT INTO load_files VALUES (?, ?, 'loaded', ?, 0, ?)`, id, src, len(times), loadedAt); err != nil {
			t.Fatal(err)
		}
		return id
	}
	check := func(step string, full bool) []reports.SourceFreshness {
		t.Helper()
		got, err := loadFreshness(ctx, wh, cfg, full)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		b := &builder{ctx: ctx, wh: wh}
		want := b.freshness(cfg)
		if len(b.errs) > 0 {
			t.Fatalf("%s: %v", step, b.errs)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: from the loads %v, from the raw rows %v", step, got, want)
		}
		return got
	}

	// By hand: tmall's newest order is 12-05, jd's 12-03; the tickets'
	// newest time is a closing (12-09) after every opening.
	day := func(d int) time.Time { return base.AddDate(0, 0, d-1) }
	load("tmall", []time.Time{day(2), day(5)}, nil)
	load("jd", []time.Time{day(3)}, nil)
	load("tickets", []time.Time{day(4), day(6)}, []time.Time{day(9)})
	load("erp", nil, nil)
	got := check("first loads", false)
	want := map[string]time.Time{"tmall": day(5), "jd": day(3), "tickets": day(9), "erp": {}}
	if len(got) != len(want) {
		t.Errorf("first loads: %d sources, want %d", len(got), len(want))
	}
	for _, f := range got {
		if !f.Newest.Equal(want[f.Source]) {
			t.Errorf("first loads: %s newest %v, want %v", f.Source, f.Newest, want[f.Source])
		}
	}

	rng := rand.New(rand.NewSource(11))
	for i := 0; i < 40; i++ {
		step := ""
		switch rng.Intn(4) {
		case 0, 1: // a new file
			src := []string{"tmall", "jd", "tickets"}[rng.Intn(3)]
			var times, closed []time.Time
			for k := 0; k < rng.Intn(3); k++ { // sometimes an empty file
				times = append(times, day(1+rng.Intn(60)))
				if rng.Intn(2) == 0 {
					closed = append(closed, day(1+rng.Intn(60)))
				}
			}
			step = "load " + load(src, times, closed)
		case 2: // a file unloaded
			if err := wh.Exec(ctx, `UPDATE load_files SET status = 'unloaded' WHERE load_id = (SELECT min(load_id) FROM load_files WHERE status = 'loaded')`); err != nil {
				t.Fatal(err)
			}
			step = "unload"
		case 3: // the newest file loaded again, later, with other rows
			if err := wh.Exec(ctx, `UPDATE raw_order_lines SET order_ts = order_ts + INTERVAL 30 DAY WHERE _load_id = (SELECT max(load_id) FROM load_files)`); err != nil {
				t.Fatal(err)
			}
			loadedAt = loadedAt.Add(time.Minute)
			if err := wh.Exec(ctx, `UPDATE load_files SET loaded_at = ? WHERE load_id = (SELECT max(load_id) FROM load_files)`, loadedAt); err != nil {
				t.Fatal(err)
			}
			step = "reload"
		}
		check(fmt.Sprintf("step %d (%s)", i, step), i == 25)
	}
	var events int64
	if err := wh.QueryRow(ctx, `SELECT count(*) FROM publish_load_events`, nil, &events); err != nil || events == 0 {
		t.Errorf("publish_load_events: %d rows (%v)", events, err)
	}
}
