package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/robfig/cron/v3"

	"github.com/crmkit/crmkit/config"
)

// ScheduledRun is one firing of a schedule.
type ScheduledRun struct {
	Job       string    // job name, group or "chain"
	Scheduled time.Time // the cron fire time
	// ChainID is derived from (job, scheduled time) so a catch-up or a
	// duplicate firing never runs the same slot twice.
	ChainID string
}

// ScheduledChainID is the run id of a schedule slot.
func ScheduledChainID(job string, at time.Time) string {
	return "sched-" + strings.ReplaceAll(job, ":", "_") + "-" + at.UTC().Format("20060102T1504")
}

// SlotRunner executes a scheduled run and reports whether the slot was
// already done (then it does nothing).
type SlotRunner func(ctx context.Context, run ScheduledRun) error

// Daemon runs the configured schedules on gocron, one job at a time per
// schedule (singleton mode), catching up missed slots within the configured
// window at start, oldest first.
type Daemon struct {
	Cfg *config.Config
	Log *slog.Logger
	// Clock drives the scheduler (tests pass a fake clock).
	Clock clockwork.Clock
	// Run executes one slot; DefaultSlotRunner is used when nil.
	Run SlotRunner
	// Done reports whether a slot already ran (catch-up uses it). When nil
	// every planned slot is run (SlotRunner still dedups).
	Done func(ctx context.Context, chainID string) (bool, error)
	// LastSlots returns the newest recorded slot of each scheduled job
	// (keyed by Schedule.Job); a job without one has no history and so
	// nothing to catch up. When nil nothing is caught up.
	LastSlots func(ctx context.Context) (map[string]time.Time, error)
	// Grace bounds how long a running job may finish after shutdown starts
	// before its context is cancelled (its transaction then rolls back).
	Grace time.Duration

	mu sync.Mutex
}

func (d *Daemon) clock() clockwork.Clock {
	if d.Clock == nil {
		return clockwork.NewRealClock()
	}
	return d.Clock
}

func scheduleLocation(cfg *config.Config, s config.Schedule) *time.Location {
	if s.Timezone != "" {
		if l, err := time.LoadLocation(s.Timezone); err == nil {
			return l
		}
	}
	if cfg.Location != nil {
		return cfg.Location
	}
	return time.UTC
}

// MissedSlots returns the fire times of every schedule in (now-window, now],
// oldest first.
func MissedSlots(cfg *config.Config, now time.Time, window time.Duration) ([]ScheduledRun, error) {
	var out []ScheduledRun
	if window <= 0 {
		return nil, nil
	}
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	for _, s := range cfg.Schedules {
		sched, err := p.Parse(s.Cron)
		if err != nil {
			return nil, fmt.Errorf("schedule %s: bad cron %q: %w", s.Job, s.Cron, err)
		}
		loc := scheduleLocation(cfg, s)
		t := now.Add(-window).In(loc)
		for {
			t = sched.Next(t)
			if t.After(now) {
				break
			}
			out = append(out, ScheduledRun{Job: s.Job, Scheduled: t, ChainID: ScheduledChainID(s.Job, t)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Scheduled.Before(out[j].Scheduled) })
	return out, nil
}

// CatchUp runs the missed slots CatchupPlan picks, oldest first. It stops
// before the next slot as soon as stop is done (a stop signal); the slot
// already running gets ctx, which Serve cancels after the grace period.
func (d *Daemon) CatchUp(stop, ctx context.Context) (int, error) {
	window := d.Cfg.Jobs.CatchupWindow.D()
	if window <= 0 || d.Cfg.Jobs.Catchup == config.CatchupNone {
		return 0, nil
	}
	last := map[string]time.Time{}
	if d.LastSlots != nil {
		var err error
		if last, err = d.LastSlots(ctx); err != nil {
			return 0, fmt.Errorf("read the last scheduled runs: %w", err)
		}
	}
	slots, err := CatchupPlan(d.Cfg, d.clock().Now(), last)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range slots {
		if stop.Err() != nil {
			d.Log.Info("catch-up stopped by signal", "left", len(slots)-n)
			return n, nil
		}
		if d.Done != nil {
			done, err := d.Done(ctx, s.ChainID)
			if err != nil {
				return n, err
			}
			if done {
				continue
			}
		}
		d.Log.Info("catching up missed run", "job", s.Job, "scheduled", s.Scheduled, "run", s.ChainID)
		if err := d.execute(ctx, s); err != nil {
			d.Log.Error("catch-up run failed", "job", s.Job, "run", s.ChainID, "error", err)
		}
		n++
	}
	return n, nil
}

// CatchupPlan returns the slots to catch up at start, oldest first. A
// schedule with no recorded run (last has no entry: a first start) has
// nothing to catch up; otherwise its missed slots are those after its last
// recorded slot within jobs.catchup_window, of which jobs.catchup keeps the
// latest (default), all or none. At most jobs.catchup_max_runs slots are
// returned, the newest ones.
func CatchupPlan(cfg *config.Config, now time.Time, last map[string]time.Time) ([]ScheduledRun, error) {
	mode := cfg.Jobs.Catchup
	if mode == config.CatchupNone {
		return nil, nil
	}
	slots, err := MissedSlots(cfg, now, cfg.Jobs.CatchupWindow.D())
	if err != nil {
		return nil, err
	}
	newest := map[string]int{}
	var keep []ScheduledRun
	for _, s := range slots {
		l, ok := last[s.Job]
		if !ok || l.IsZero() || !s.Scheduled.After(l) {
			continue
		}
		if mode == config.CatchupAll {
			keep = append(keep, s)
			continue
		}
		if i, ok := newest[s.Job]; ok {
			keep[i] = s // slots come oldest first: a later one replaces it
			continue
		}
		newest[s.Job] = len(keep)
		keep = append(keep, s)
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].Scheduled.Before(keep[j].Scheduled) })
	if max := cfg.Jobs.CatchupMaxRuns; max > 0 && len(keep) > max {
		keep = keep[len(keep)-max:]
	}
	return keep, nil
}

func (d *Daemon) execute(ctx context.Context, s ScheduledRun) error {
	run := d.Run
	if run == nil {
		return errors.New("daemon has no slot runner")
	}
	return run(ctx, s)
}

// Serve catches up, then runs the schedules until ctx is cancelled; on
// cancellation it stops taking new runs and waits for running ones (up to
// Grace, then cancels them so their transactions roll back).
func (d *Daemon) Serve(ctx context.Context) error {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	grace := d.Grace
	if grace <= 0 {
		grace = 5 * time.Minute
	}
	// Jobs run on their own context: a stop signal (ctx) stops taking new
	// runs at once and gives the running one grace before cancelling it,
	// so its transaction rolls back instead of being cut off mid-write.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	stopGrace := context.AfterFunc(ctx, func() {
		d.Log.Info("stop signal: running jobs get the grace period", "grace", grace.String())
		t := time.AfterFunc(grace, cancelJobs)
		context.AfterFunc(jobCtx, func() { t.Stop() })
	})
	defer stopGrace()
	if _, err := d.CatchUp(ctx, jobCtx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		d.Log.Info("stopped before the scheduler started")
		return nil
	}
	// The stop timeout only bounds Shutdown's wait: jobCtx is cancelled
	// after grace, and a cancelled job returns soon after.
	s, err := gocron.NewScheduler(gocron.WithClock(d.clock()), gocron.WithLocation(time.UTC), gocron.WithStopTimeout(grace+time.Minute))
	if err != nil {
		return err
	}
	for _, sc := range d.Cfg.Schedules {
		sc := sc
		loc := scheduleLocation(d.Cfg, sc)
		spec := "CRON_TZ=" + loc.String() + " " + sc.Cron
		p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
		parsed, err := p.Parse(sc.Cron)
		if err != nil {
			return fmt.Errorf("schedule %s: bad cron %q: %w", sc.Job, sc.Cron, err)
		}
		_, err = s.NewJob(gocron.CronJob(spec, false), gocron.NewTask(func() {
			if ctx.Err() != nil {
				return
			}
			// The slot is the latest fire time not after now.
			now := d.clock().Now()
			slot := latestFire(parsed, now.In(loc))
			run := ScheduledRun{Job: sc.Job, Scheduled: slot, ChainID: ScheduledChainID(sc.Job, slot)}
			d.Log.Info("scheduled run starting", "job", sc.Job, "run", run.ChainID)
			if err := d.execute(jobCtx, run); err != nil {
				d.Log.Error("scheduled run failed", "job", sc.Job, "run", run.ChainID, "error", err)
			}
		}), gocron.WithName(sc.Job), gocron.WithSingletonMode(gocron.LimitModeReschedule))
		if err != nil {
			return fmt.Errorf("schedule %s: %w", sc.Job, err)
		}
		d.Log.Info("scheduled", "job", sc.Job, "cron", sc.Cron, "zone", loc.String())
	}
	s.Start()
	<-ctx.Done()
	d.Log.Info("shutting down: waiting for running jobs")
	return s.Shutdown()
}

// latestFire returns the last fire time of sched at or before now.
func latestFire(sched cron.Schedule, now time.Time) time.Time {
	// Walk forward from a day back; cron specs here fire at most every minute.
	t := sched.Next(now.Add(-48 * time.Hour))
	last := t
	for !t.After(now) {
		last = t
		t = sched.Next(t)
	}
	if last.After(now) {
		return now.Truncate(time.Minute)
	}
	return last
}

// DefaultSlotRunner opens (and locks) the warehouse for each slot, skips a
// slot that already succeeded, runs the selected jobs with the slot's run id
// and closes the warehouse, so manual runs can happen between slots.
func DefaultSlotRunner(cfg *config.Config, log *slog.Logger) SlotRunner {
	return func(ctx context.Context, s ScheduledRun) error {
		sess, err := Open(ctx, cfg, "crmkit schedule "+s.Job)
		if err != nil {
			return err
		}
		defer sess.Close()
		done, err := slotDone(ctx, sess, s.ChainID)
		if err != nil {
			return err
		}
		if done {
			log.Info("slot already ran; skipping", "run", s.ChainID)
			return nil
		}
		if _, err := MarkAbandoned(ctx, sess.WH); err != nil {
			return err
		}
		g := Nightly(cfg)
		sel, err := g.Resolve([]string{s.Job})
		if err != nil {
			return err
		}
		plan, err := g.Plan(sel, false)
		if err != nil {
			return err
		}
		r := &Runner{Graph: g, Cfg: cfg, WH: sess.WH, Log: log, Heartbeat: sess.Heartbeat}
		res, err := r.Run(ctx, s.ChainID, "", plan)
		if err != nil {
			return err
		}
		if ferr := res.Err(); ferr != nil {
			NotifyFailure(ctx, cfg, sess.WH, log, res)
			return ferr
		}
		return nil
	}
}

func slotDone(ctx context.Context, sess *Session, chainID string) (bool, error) {
	var n *int64
	if err := sess.WH.QueryRow(ctx, runsSQL["slot_done"], []any{chainID, chainID}, &n); err != nil {
		return false, err
	}
	return n != nil && *n > 0, nil
}

// SlotDone reports whether a schedule slot already ran to success.
func SlotDone(cfg *config.Config) func(ctx context.Context, chainID string) (bool, error) {
	return func(ctx context.Context, chainID string) (bool, error) {
		sess, err := Open(ctx, cfg, "crmkit schedule (catch-up check)")
		if err != nil {
			return false, err
		}
		defer sess.Close()
		return slotDone(ctx, sess, chainID)
	}
}

// slotLayout is the time part of a scheduled run id (see ScheduledChainID).
const slotLayout = "20060102T1504"

// LastSlots returns, for each configured schedule, the newest slot it has
// recorded in job_runs (any status); schedules never run are left out.
func LastSlots(cfg *config.Config) func(ctx context.Context) (map[string]time.Time, error) {
	return func(ctx context.Context) (map[string]time.Time, error) {
		sess, err := Open(ctx, cfg, "crmkit schedule (catch-up check)")
		if err != nil {
			return nil, err
		}
		defer sess.Close()
		out := map[string]time.Time{}
		for _, s := range cfg.Schedules {
			prefix := strings.TrimSuffix(ScheduledChainID(s.Job, time.Time{}), time.Time{}.Format(slotLayout))
			var id *string
			if err := sess.WH.QueryRow(ctx, runsSQL["last_slot"], []any{len(prefix), prefix, len(prefix) + len(slotLayout)}, &id); err != nil {
				return nil, fmt.Errorf("last run of schedule %s: %w", s.Job, err)
			}
			if id == nil {
				continue
			}
			t, err := time.ParseInLocation(slotLayout, strings.TrimPrefix(*id, prefix), time.UTC)
			if err != nil {
				continue // not a slot id after all
			}
			out[s.Job] = t
		}
		return out, nil
	}
}
