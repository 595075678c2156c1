package jobs

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/crmkit/crmkit/config"
)

// TestCatchupPlan: which missed slots run at start, worked out by hand for
// now = 2026-11-26 10:00:30 UTC, an every-minute schedule "chain" and a
// daily 02:00 UTC schedule "publish", window 3 days.
func TestCatchupPlan(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 30, 0, time.UTC)
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	cases := []struct {
		name   string
		mode   string
		max    int
		window time.Duration
		last   map[string]time.Time
		want   []string
	}{
		{"first start: no history, nothing", config.CatchupLatest, 3, 72 * time.Hour, nil, nil},
		{"first start with all: still nothing", config.CatchupAll, 1000, 72 * time.Hour, map[string]time.Time{}, nil},
		{"up to date: nothing", config.CatchupLatest, 3, 72 * time.Hour,
			map[string]time.Time{"chain": at(26, 10, 0), "publish": at(26, 2, 0)}, nil},
		{"latest: one slot per schedule", config.CatchupLatest, 3, 72 * time.Hour,
			map[string]time.Time{"chain": at(26, 9, 50), "publish": at(24, 2, 0)},
			[]string{"sched-publish-20261126T0200", "sched-chain-20261126T1000"}},
		{"all: every slot after the last", config.CatchupAll, 100, 72 * time.Hour,
			map[string]time.Time{"chain": at(26, 9, 56)},
			[]string{"sched-chain-20261126T0957", "sched-chain-20261126T0958", "sched-chain-20261126T0959", "sched-chain-20261126T1000"}},
		{"all capped: the newest max", config.CatchupAll, 2, 72 * time.Hour,
			map[string]time.Time{"chain": at(26, 9, 56), "publish": at(25, 2, 0)},
			[]string{"sched-chain-20261126T0959", "sched-chain-20261126T1000"}},
		{"all: only within the window", config.CatchupAll, 100, 150 * time.Second,
			map[string]time.Time{"chain": at(20, 0, 0)},
			[]string{"sched-chain-20261126T0959", "sched-chain-20261126T1000"}},
		{"none", config.CatchupNone, 3, 72 * time.Hour,
			map[string]time.Time{"chain": at(26, 9, 0), "publish": at(24, 2, 0)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &config.Config{Location: time.UTC,
				Schedules: []config.Schedule{{Job: "chain", Cron: "* * * * *"}, {Job: "publish", Cron: "0 2 * * *"}},
				Jobs:      config.Jobs{CatchupWindow: config.Duration(c.window), Catchup: c.mode, CatchupMaxRuns: c.max}}
			plan, err := CatchupPlan(cfg, now, c.last)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range plan {
				got = append(got, s.ChainID)
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("plan\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

// TestStopSignalStopsCatchUp: a stop signal while the first of three
// catch-up slots runs lets that slot finish (it ends within the grace) and
// runs no other; a slot that outlives the grace gets its context cancelled.
func TestStopSignalStopsCatchUp(t *testing.T) {
	cases := []struct {
		name          string
		grace         time.Duration
		slotIgnoresIt bool // the slot runs until its context is cancelled
		wantRuns      int32
		wantCancelled int32
	}{
		{"slot finishes within grace", time.Hour, false, 1, 0},
		{"slot outlives grace: cancelled", time.Millisecond, true, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := time.Date(2026, 11, 26, 10, 0, 30, 0, time.UTC)
			cfg := &config.Config{Location: time.UTC, Schedules: []config.Schedule{{Job: "chain", Cron: "* * * * *"}},
				Jobs: config.Jobs{CatchupWindow: config.Duration(time.Hour), Catchup: config.CatchupAll, CatchupMaxRuns: 3}}
			ctx, stop := context.WithCancel(context.Background())
			var runs, cancelled atomic.Int32
			d := &Daemon{Cfg: cfg, Clock: clockwork.NewFakeClockAt(now), Log: discardLogger(), Grace: c.grace,
				LastSlots: func(context.Context) (map[string]time.Time, error) {
					return map[string]time.Time{"chain": now.Add(-10 * time.Minute)}, nil
				},
				Run: func(jctx context.Context, s ScheduledRun) error {
					runs.Add(1)
					stop() // the signal arrives while the slot runs
					if c.slotIgnoresIt {
						<-jctx.Done()
						cancelled.Add(1)
						return jctx.Err()
					}
					if jctx.Err() != nil {
						cancelled.Add(1)
					}
					return nil
				}}
			if err := d.Serve(ctx); err != nil {
				t.Fatal(err)
			}
			if runs.Load() != c.wantRuns || cancelled.Load() != c.wantCancelled {
				t.Fatalf("runs %d cancelled %d, want %d and %d", runs.Load(), cancelled.Load(), c.wantRuns, c.wantCancelled)
			}
		})
	}
}
