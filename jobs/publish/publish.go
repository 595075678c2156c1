package publish

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

var registerOnce sync.Once

// Register installs the publish job and the failure-alert sender in the
// jobs registry; cmd/crmkit calls it at start. Later calls do nothing.
func Register() {
	registerOnce.Do(func() {
		jobs.RegisterPublish(func(cfg *config.Config) *jobs.Job {
			return &jobs.Job{Name: jobs.JobPublish, Group: "publish", Run: Run, Retryable: reports.IsRetryable, Alone: true,
				Reads: reads, MayRead: mayRead, Writes: writes}
		})
		jobs.RegisterAlertSender(SendAlert)
	})
}

// Layers are the three scorecards in publishing order.
var Layers = []reports.Layer{reports.LayerStrategy, reports.LayerOperations, reports.LayerSupport}

// Build assembles one scorecard for the as-of date, restricted to region
// when it is not empty. The publish_order_facts table must exist for the
// periods of asOf (Run creates it with factsSQL).
func Build(ctx context.Context, wh warehouse.Querier, cfg *config.Config, layer reports.Layer, asOf time.Time, region string, now time.Time) (*reports.Scorecard, []string) {
	return build(ctx, wh, cfg, layer, asOf, region, now, nil, nil, nil)
}

// build is Build with this run's segment sizes (nil: the recorded ones),
// source freshness (nil: read from the raw tables) and year-earlier
// figures shared with the run's other scorecards (nil: read for this one).
func build(ctx context.Context, wh warehouse.Querier, cfg *config.Config, layer reports.Layer, asOf time.Time, region string, now time.Time, segmentSizes *reports.Table, fresh []reports.SourceFreshness, yoys *yoyShare) (*reports.Scorecard, []string) {
	cur, prev := Periods(asOf)
	b := &builder{ctx: ctx, wh: wh, loc: cfg.Location, asOf: asOf, cur: cur, prev: prev, region: region, regions: cfg.Regions, segmentSizes: segmentSizes,
		purchase: "(" + jobs.PurchasePredicate(cfg.Models.CLV.MinAmount) + ")", yoys: yoys}
	b.curLabel, b.prevLabel = cur.Label, prev.Label
	b.firstDays, _ = firstDaysUsable(ctx, wh, cfg)
	if asOf.AddDate(0, 0, 1).Month() == asOf.Month() { // month to date
		b.curLabel = cur.Label + " (to " + asOf.Format("01-02") + ")"
		b.prevLabel = prev.Label + " (to " + prev.To.AddDate(0, 0, -1).Format("01-02") + ")"
	}
	var sc reports.Scorecard
	switch layer {
	case reports.LayerStrategy:
		sc = b.strategy()
	case reports.LayerOperations:
		sc = b.operations()
	default:
		sc = b.support()
	}
	b.setYoY(&sc)
	sc.Period, sc.PrevPeriod = b.curLabel, b.prevLabel
	sc.AsOf, sc.GeneratedAt = asOf, now
	sc.Currency, sc.Language = cfg.Reports.Currency, cfg.Reports.Language
	if region != "" {
		sc.Filter = map[string]string{"region": region}
	}
	b.finish(&sc)
	sc.Freshness = fresh
	if fresh == nil {
		sc.Freshness = b.freshness(cfg)
	}
	sc.Definitions = definitions(cfg, &sc)
	return &sc, b.errs
}

// finish makes a section without data say so instead of failing the
// render: charts without values are dropped, a period table without rows
// says "no data for <period>" (another, e.g. rejected files, "none"), and
// a section none of whose tables has a row keeps only its notes and that
// line. A filtered copy keeps only the KPIs whose figure a region
// restricts.
func (b *builder) finish(sc *reports.Scorecard) {
	for i := range sc.Sections {
		s := &sc.Sections[i]
		charts := s.Charts[:0]
		for _, c := range s.Charts {
			if len(c.Labels) > 0 && len(c.Series) > 0 {
				charts = append(charts, c)
			}
		}
		s.Charts = charts
		rows := 0
		for j := range s.Tables {
			if len(s.Tables[j].Rows) == 0 && strings.Contains(s.Tables[j].Title, b.cur.Label) {
				s.Tables[j].Empty = reports.M("table.nodata", b.cur.Label)
			}
			rows += len(s.Tables[j].Rows)
		}
		if rows == 0 && !(len(s.Notes) > 0 && s.Notes[0].Key == "leftout") {
			s.Tables, s.Charts = nil, nil
			s.Notes = append(s.Notes, reports.M("note.nodata", b.cur.Label))
		}
	}
	if b.region != "" {
		kept := sc.KPIs[:0]
		for _, k := range sc.KPIs {
			if fig(k.Key).regional {
				kept = append(kept, k)
			}
		}
		sc.KPIs = kept
	}
}

// Run is the publish job: build the three scorecards, write XLSX and HTML
// into the output folder, write segment files, and send the deliveries.
//
// The independent parts run at the same time (DuckDB serves concurrent
// readers in one process): the monthly revenue workbook, the customer tags
// and segment files, the support scorecard, and, once the order facts
// exist, the strategy and operations scorecards (operations once the
// segment sizes of this run are known, which its Segments section shows).
// The sizes are recorded in the segment_sizes mart afterwards, and the
// filtered scorecards of the deliveries are built after that.
func Run(ctx context.Context, env *jobs.Env) (jobs.Result, error) {
	start := time.Now()
	cfg := env.Cfg
	asOf, err := env.ResolveAsOf(ctx)
	if err != nil {
		return jobs.Result{}, err
	}
	out := cfg.Resolve(cfg.OutputDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return jobs.Result{}, err
	}
	if cfg.Reports.FontPath != "" {
		reports.SetChartFontPath(cfg.Resolve(cfg.Reports.FontPath))
	}
	// The sources' freshness, the same on every scorecard: read once, from
	// the newest event time of each load, recorded once per load.
	fresh, err := loadFreshness(ctx, env.WH, cfg, env.Full)
	if err != nil {
		env.Log.Warn("source freshness read from the raw tables", "reason", err.Error())
		fresh = nil
	}
	// A panic in one of publish's goroutines would end the whole process
	// (the runner can only recover its own goroutine), so each goroutine
	// turns a panic into this job's error.
	var (
		wg       sync.WaitGroup
		panicMu  sync.Mutex
		panicErr error
	)
	goRun := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					panicMu.Lock()
					if panicErr == nil {
						slog.Error("publish panicked", "panic", p, "stack", string(debug.Stack()))
						panicErr = fmt.Errorf("publish: panic: %v", p)
					}
					panicMu.Unlock()
				}
			}()
			f()
		}()
	}
	var revErr error
	goRun(func() {
		revErr = writeRevenue(ctx, env.WH, cfg, out)
	})
	var (
		sizes   arrow.RecordBatch
		segs    int
		segsErr error
	)
	segsDone := make(chan struct{})
	goRun(func() {
		defer close(segsDone)
		sizes, segs, segsErr = writeSegmentFiles(ctx, env, asOf, out)
	})

	// One slot per layer, filled in publishing order below.
	type layerOut struct {
		sc    *reports.Scorecard
		errs  []string
		files []string
		err   error
	}
	results := make([]layerOut, len(Layers))
	yoys := &yoyShare{} // the year-earlier figures, read once per region
	buildLayer := func(i int) {
		layer := Layers[i]
		var sizesTable *reports.Table
		if layer == reports.LayerOperations {
			// The Segments section shows this run's sizes, also on the
			// first publish of a warehouse (no sizes recorded yet).
			<-segsDone
			if segsErr == nil && sizes != nil {
				sizesTable = segmentSizesTable(sizes)
			}
		}
		sc, errs := build(ctx, env.WH, cfg, layer, asOf, "", start, sizesTable, fresh, yoys)
		r := layerOut{sc: sc, errs: errs}
		x := filepath.Join(out, sc.BaseName()+".xlsx")
		if err := reports.WriteXLSX(sc, x); err != nil {
			r.err = fmt.Errorf("write %s: %w", x, err)
		} else if files, err := reports.WriteHTML(sc, out); err != nil {
			r.err = fmt.Errorf("write %s html: %w", layer, err)
		} else {
			r.files = []string{x, files[0]}
		}
		results[i] = r
	}
	var needFacts []int
	for i, layer := range Layers {
		if layer == reports.LayerSupport { // reads no order facts
			goRun(func() { buildLayer(i) })
		} else {
			needFacts = append(needFacts, i)
		}
	}
	if ok, why := firstDaysUsable(ctx, env.WH, cfg); !ok {
		env.Log.Info("new-customer figures read first purchases from orders", "reason", why)
	}
	cur, prev := Periods(asOf)
	factsQuery, factsErr := factsSQL(warehouse.SQLOfQuerier(env.WH), cfg.Regions, prev.From, cur.To)
	if factsErr == nil {
		factsErr = warehouse.CreateTableAs(ctx, env.WH, "publish_order_facts", factsQuery)
	}
	if factsErr == nil {
		for _, i := range needFacts {
			goRun(func() { buildLayer(i) })
		}
	}
	wg.Wait()
	if sizes != nil {
		defer sizes.Release()
	}
	if panicErr != nil {
		return jobs.Result{}, panicErr
	}
	if factsErr != nil {
		return jobs.Result{}, fmt.Errorf("build order facts: %w", factsErr)
	}
	var written []string
	var problems []string
	unfiltered := map[reports.Layer]*reports.Scorecard{}
	for i, r := range results {
		if r.err != nil {
			return jobs.Result{}, r.err
		}
		unfiltered[Layers[i]] = r.sc
		problems = append(problems, r.errs...)
		written = append(written, r.files...)
	}
	if revErr != nil {
		return jobs.Result{}, revErr
	}
	if segsErr != nil {
		return jobs.Result{}, segsErr
	}
	if sizes != nil {
		if err := recordSegmentSizes(ctx, env, asOf, sizes); err != nil {
			return jobs.Result{}, err
		}
	}
	sent, err := deliver(ctx, env, asOf, out, start, unfiltered, fresh, yoys)
	if err != nil {
		return jobs.Result{RowsOut: int64(len(written))}, err
	}
	for _, p := range problems {
		env.Log.Warn("scorecard section incomplete", "problem", p)
	}
	msg := fmt.Sprintf("3 scorecards (XLSX+HTML) for %s in %s, %d segment files, %d messages %s in %.2fs", asOf.Format("2006-01-02"), out, segs, sent,
		map[bool]string{true: "sent", false: "written as .eml"}[cfg.SMTP != nil], time.Since(start).Seconds())
	return jobs.Result{RowsOut: int64(len(written)), Message: msg, Partial: len(problems) > 0}, nil
}

// writeRevenue writes the monthly revenue workbook and page.
func writeRevenue(ctx context.Context, wh warehouse.Querier, cfg *config.Config, out string) error {
	mr, err := queryMonthlyRevenue(ctx, wh, cfg.Location)
	if err != nil {
		return err
	}
	if err := reports.WriteRevenueXLSX(mr, filepath.Join(out, "revenue_by_channel.xlsx")); err != nil {
		return fmt.Errorf("write revenue workbook: %w", err)
	}
	if err := reports.WriteRevenueHTML(mr, filepath.Join(out, "revenue_by_channel.html")); err != nil {
		return fmt.Errorf("write revenue page: %w", err)
	}
	return nil
}

// deliver builds one message per recipient (filtered scorecards for
// recipients with a filter) and sends them, or writes .eml files.
func deliver(ctx context.Context, env *jobs.Env, asOf time.Time, out string, now time.Time, unfiltered map[reports.Layer]*reports.Scorecard, fresh []reports.SourceFreshness, yoys *yoyShare) (int, error) {
	cfg := env.Cfg
	if len(cfg.Deliveries) == 0 {
		return 0, nil
	}
	m, err := reports.NewMailer(cfg)
	if err != nil {
		return 0, err
	}
	m.OutDir = filepath.Join(out, "mail")
	m.Log = env.Log
	type key struct {
		layer  reports.Layer
		region string
	}
	built := map[key]string{} // xlsx path per filtered scorecard
	cards := map[key]*reports.Scorecard{}
	// The scorecards the recipients need that this run has not built (one
	// per layer and region filter) are independent of each other: they
	// are built, and their workbooks written, at the same time.
	type filtered struct {
		sc   *reports.Scorecard
		errs []string
		x    string
		err  error
	}
	var need []key
	pre := map[key]*filtered{}
	for _, d := range cfg.Deliveries {
		for _, r := range d.Recipients {
			k := key{reports.Layer(d.Scorecard), r.Filter["region"]}
			if pre[k] == nil && !(k.region == "" && unfiltered[k.layer] != nil) {
				pre[k] = &filtered{}
				need = append(need, k)
			}
		}
	}
	var wg sync.WaitGroup
	for _, k := range need {
		f := pre[k]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					f.err = fmt.Errorf("publish: panic building the %s scorecard for region %q: %v", k.layer, k.region, p)
				}
			}()
			f.sc, f.errs = build(ctx, env.WH, cfg, k.layer, asOf, k.region, now, nil, fresh, yoys)
			f.x = filepath.Join(out, f.sc.BaseName()+".xlsx")
			if k.region != "" {
				f.x = filepath.Join(out, "filtered", f.sc.BaseName()+".xlsx")
				if f.err = os.MkdirAll(filepath.Dir(f.x), 0o755); f.err == nil {
					f.err = reports.WriteXLSX(f.sc, f.x)
				}
			}
		}()
	}
	wg.Wait()
	var msgs []*reports.Message
	var keys []deliveryKey
	for _, d := range cfg.Deliveries {
		layer := reports.Layer(d.Scorecard)
		for _, r := range d.Recipients {
			region := r.Filter["region"]
			k := key{layer, region}
			if cards[k] == nil && region == "" && unfiltered[layer] != nil {
				cards[k] = unfiltered[layer]
				built[k] = filepath.Join(out, cards[k].BaseName()+".xlsx")
			}
			if cards[k] == nil {
				f := pre[k]
				if f.err != nil {
					return 0, f.err
				}
				for _, p := range f.errs {
					env.Log.Warn("filtered scorecard section incomplete", "region", region, "problem", p)
				}
				cards[k], built[k] = f.sc, f.x
			}
			card := cards[k]
			if d.Language != "" && d.Language != card.Language {
				c := *card // the same figures in the delivery's language
				c.Language = d.Language
				card = &c
			}
			msg, err := m.ComposeScorecard(card, []string{r.Email}, d.Subject, built[k])
			if err != nil {
				return 0, fmt.Errorf("delivery %s to %s: %w", d.Name, r.Email, err)
			}
			msgs = append(msgs, msg)
			name := d.Name
			if name == "" {
				name = d.Scorecard
			}
			keys = append(keys, deliveryKey{name, r.Email})
		}
	}
	return deliverOnce(ctx, env, m, asOf, out, msgs, keys)
}

// SendAlert sends a failure alert to the configured operators through the
// same mail path as the scorecards (.eml files when no SMTP is configured).
func SendAlert(ctx context.Context, cfg *config.Config, subject string, lines []string) error {
	m, err := reports.NewMailer(cfg)
	if err != nil {
		return err
	}
	m.OutDir = filepath.Join(cfg.Resolve(cfg.OutputDir), "mail")
	ops := append([]string(nil), cfg.Alerts.Operators...)
	sort.Strings(ops)
	return m.SendAlert(ctx, ops, subject, lines...)
}
