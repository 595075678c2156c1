package publish

import (
	"context"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/segment"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
	"github.com/crmkit/crmkit/reports"
	"github.com/crmkit/crmkit/reports/segmentfile"
)

//go:embed sql/tags/*.sql
var tagsFS embed.FS

var tagFiles = sqlfile.MustParse(tagsFS, "sql/tags")

// tagsData is what customer_tags.sql reads.
type tagsData struct {
	// RFM, Lifecycle and CLV say which marts exist.
	RFM, Lifecycle, CLV bool
	// Ordered sorts the rows by customer_id.
	Ordered bool
	// WallClock: the dialect's day difference on TIMESTAMPTZ is slow
	// (SlowZonedDayDiff), so the days are counted on wall-clock TIMESTAMPs.
	WallClock bool
	// LastDays is the days from o.last_at to e.end_at; LastChannel the
	// channel of the newest order.
	LastDays, LastChannel string
	// OrderState: the per-customer order figures come from
	// customer_order_state (orderStateUsable).
	OrderState bool
	// Only, when not nil, holds the columns to return besides customer_id
	// (segment.TagSchema names); nil: every column.
	Only map[string]bool
}

// Want reports whether the query returns column col.
func (d tagsData) Want(col string) bool { return d.Only == nil || d.Only[col] }

// WantOrders: a column wanted is one of the per-customer order figures
// (from customer_order_state, or aggregated from every order).
func (d tagsData) WantOrders() bool {
	return d.Want("last_channel") || d.Want("last_purchase_days") || d.Want("orders") || d.Want("net_sales")
}

// tagsSQL is customer_tags.sql for the warehouse: one row of tags per
// stitched customer as of a date. Arguments: as-of date (DATE) and the
// exclusive end timestamp. orderState reads the per-customer order figures
// from customer_order_state (orderStateUsable); only, when not nil, is the
// columns to return besides customer_id.
func tagsSQL(ctx context.Context, wh warehouse.Querier, ordered, orderState bool, only map[string]bool) (string, error) {
	has := func(t string) bool {
		ok, _ := warehouse.TableExists(ctx, wh, t)
		return ok
	}
	d := warehouse.SQLOfQuerier(wh)
	return tagFiles.Render("customer_tags", d, tagsData{RFM: has("rfm"), Lifecycle: has("lifecycle_stage"), CLV: has("customer_clv"), Ordered: ordered,
		WallClock: warehouse.CapabilitiesOf(d).SlowZonedDayDiff,
		LastDays:  d.TimestampDiff("day", "o.last_at", "e.end_at"), LastChannel: d.ArgMax("channel", "order_ts"), OrderState: orderState, Only: only})
}

// CustomerTags reads the tag table segments are evaluated on.
func CustomerTags(ctx context.Context, wh warehouse.Querier, asOf time.Time) ([]arrow.RecordBatch, error) {
	recs, _, err := customerTags(ctx, wh, asOf, true, nil)
	return recs, err
}

// customerTags is CustomerTags, unordered unless ordered is set, with only
// the columns of only besides customer_id when only is not nil; why says
// why the per-customer order figures were aggregated from every order
// ("" when they came from customer_order_state or no column needs them).
func customerTags(ctx context.Context, wh warehouse.Querier, asOf time.Time, ordered bool, only map[string]bool) ([]arrow.RecordBatch, string, error) {
	end := asOf.AddDate(0, 0, 1)
	state, why := true, ""
	if (tagsData{Only: only}).WantOrders() {
		state, why = orderStateUsable(ctx, wh, end)
	}
	q, err := tagsSQL(ctx, wh, ordered, state, only)
	if err != nil {
		return nil, "", fmt.Errorf("build customer tags: %w", err)
	}
	recs, err := wh.Query(ctx, q, asOf.Format("2006-01-02"), ts(end))
	if err != nil {
		return nil, why, fmt.Errorf("build customer tags: %w", err)
	}
	return recs, why, nil
}

// SegmentResult is one evaluated segment.
type SegmentResult struct {
	Name, Definition string
	Members          []arrow.RecordBatch
	Count            int64
}

// Release frees the member batches.
func (s *SegmentResult) Release() { warehouse.Release(s.Members) }

// EvaluateSegment compiles a segment definition against the tags and
// returns its members.
func EvaluateSegment(seg config.Segment, tags []arrow.RecordBatch) (*SegmentResult, error) {
	if len(tags) == 0 {
		return &SegmentResult{Name: seg.Name, Definition: seg.Where}, nil
	}
	e, err := segment.CompileNamed(seg.Name, seg.Where, tags[0].Schema())
	if err != nil {
		return nil, err
	}
	res := &SegmentResult{Name: seg.Name, Definition: seg.Where}
	for _, t := range tags {
		bm, err := e.Eval(t)
		if err != nil {
			res.Release()
			return nil, fmt.Errorf("segment %s: %w", seg.Name, err)
		}
		sel, err := segment.Filter(t, bm)
		if err != nil {
			res.Release()
			return nil, fmt.Errorf("segment %s: %w", seg.Name, err)
		}
		res.Count += sel.NumRows()
		res.Members = append(res.Members, sel)
	}
	return res, nil
}

// SegmentExport returns the file options and the file name (without
// extension) of one segment: its own privacy mode when it sets one, else
// the config's; an ads-mode file is named after its platform
// ("vip_google"), so an upload cannot go to the wrong platform.
func SegmentExport(cfg *config.Config, seg config.Segment) (segmentfile.Options, string, error) {
	mode, platform := cfg.Privacy.Mode, ""
	if seg.Privacy != nil {
		mode, platform = seg.Privacy.Mode, seg.Privacy.Platform
	}
	o, err := exportOptions(cfg, mode)
	o.Platform = platform
	name := seg.Name
	if mode == segmentfile.PrivacyAds {
		name += "_" + platform
	}
	return o, name, err
}

// ExportOptions returns the file options for the config's privacy mode;
// the salt for hashing comes from the environment variable it names.
func ExportOptions(cfg *config.Config) (segmentfile.Options, error) {
	return exportOptions(cfg, cfg.Privacy.Mode)
}

func exportOptions(cfg *config.Config, mode string) (segmentfile.Options, error) {
	o := segmentfile.Options{Privacy: mode, Region: cfg.Identity.DefaultRegion}
	if mode == "hash" || mode == segmentfile.PrivacyAds {
		salt := os.Getenv(cfg.Privacy.SaltEnv)
		if salt == "" {
			return o, fmt.Errorf("privacy.salt_env: environment variable %s is not set (hashing needs a salt)", cfg.Privacy.SaltEnv)
		}
		o.Salt = []byte(salt)
	}
	return o, nil
}

var segmentSizesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
	{Name: "segment", Type: arrow.BinaryTypes.String},
	{Name: "definition", Type: arrow.BinaryTypes.String},
	{Name: "customers", Type: arrow.PrimitiveTypes.Int64},
	{Name: "file", Type: arrow.BinaryTypes.String},
}, nil)

// WriteSegments evaluates every configured segment, writes each as CSV into
// out/segments and records the counts in the segment_sizes mart. It returns
// the number of files written. In hash mode without the salt in the
// environment the files are not written (the sizes still are) and a warning
// is logged.
func WriteSegments(ctx context.Context, env *jobs.Env, asOf time.Time, out string) (int, error) {
	sizes, files, err := writeSegmentFiles(ctx, env, asOf, out)
	if err != nil || sizes == nil {
		return files, err
	}
	defer sizes.Release()
	return files, recordSegmentSizes(ctx, env, asOf, sizes)
}

// writeSegmentFiles is WriteSegments without the mart: it returns the
// segment_sizes rows (nil when no segment is configured) for
// recordSegmentSizes, so the publish job can evaluate the segments while
// the scorecards are built and record the sizes after the operations
// scorecard has read the previous ones.
func writeSegmentFiles(ctx context.Context, env *jobs.Env, asOf time.Time, out string) (arrow.RecordBatch, int, error) {
	cfg := env.Cfg
	if len(cfg.Segments) == 0 {
		return nil, 0, nil
	}
	_, optErr := ExportOptions(cfg)
	for _, s := range cfg.Segments {
		if _, _, err := SegmentExport(cfg, s); err != nil && optErr == nil {
			optErr = err
		}
	}
	// The files need every tag (their members are put in customer order
	// by byCustomer); the sizes only the columns the definitions read.
	var only map[string]bool
	if optErr != nil {
		only = segmentColumns(cfg.Segments)
	}
	tags, why, err := customerTags(ctx, env.WH, asOf, false, only)
	if err != nil {
		return nil, 0, err
	}
	if why != "" {
		env.Log.Info("customer tags aggregate every order", "reason", why)
	}
	defer warehouse.Release(tags)
	if optErr != nil {
		env.Log.Warn("segment files not written", "reason", optErr.Error())
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, segmentSizesSchema)
	defer b.Release()
	d := arrow.Date32FromTime(time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC))
	files := 0
	for _, s := range cfg.Segments {
		res, err := EvaluateSegment(s, tags)
		if err != nil {
			return nil, files, err
		}
		path := ""
		if optErr == nil {
			opts, fileName, _ := SegmentExport(cfg, s)
			path = filepath.Join(out, "segments", fileName+".csv")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				res.Release()
				return nil, files, err
			}
			members, err := byCustomer(res.Members)
			if err != nil {
				res.Release()
				return nil, files, fmt.Errorf("segment %s: %w", s.Name, err)
			}
			recs := res.Members // no member: the file as before (its header)
			if members != nil {
				recs = []arrow.RecordBatch{members}
			}
			_, err = segmentfile.WriteAll(recs, path, "csv", opts)
			if members != nil {
				members.Release()
			}
			if err != nil {
				res.Release()
				return nil, files, fmt.Errorf("segment %s: %w", s.Name, err)
			}
			files++
		}
		b.Field(0).(*array.Date32Builder).Append(d)
		b.Field(1).(*array.StringBuilder).Append(s.Name)
		b.Field(2).(*array.StringBuilder).Append(s.Where)
		b.Field(3).(*array.Int64Builder).Append(res.Count)
		b.Field(4).(*array.StringBuilder).Append(path)
		res.Release()
	}
	return b.NewRecordBatch(), files, nil
}

// segmentColumns returns the tag columns the segment definitions read
// (compiled against segment.TagSchema, as config validation does), or nil,
// every column, when one does not compile there: the tags read whole then
// let EvaluateSegment report it.
func segmentColumns(segs []config.Segment) map[string]bool {
	only := map[string]bool{}
	for _, s := range segs {
		e, err := segment.CompileNamed(s.Name, s.Where, segment.TagSchema)
		if err != nil {
			return nil
		}
		for _, c := range e.Columns() {
			only[c] = true
		}
	}
	return only
}

// recordSegmentSizes writes the sizes into the segment_sizes mart.
func recordSegmentSizes(ctx context.Context, env *jobs.Env, asOf time.Time, sizes arrow.RecordBatch) error {
	return jobs.WriteMart(ctx, env.WH, "segment_sizes", asOf, segmentSizesSchema, []arrow.RecordBatch{sizes})
}

// segmentSizesTable is the Segments section's table of this run's sizes.
func segmentSizesTable(sizes arrow.RecordBatch) *reports.Table {
	t := &reports.Table{Title: "Segment sizes", Columns: []reports.Column{{Name: "segment", Unit: reports.UnitText}, {Name: "definition", Unit: reports.UnitText}, {Name: "customers", Unit: reports.UnitCount}}}
	for i := 0; i < int(sizes.NumRows()); i++ {
		t.Rows = append(t.Rows, []any{warehouse.StringAt(sizes, 1, i), warehouse.StringAt(sizes, 2, i), int64(warehouse.FloatAt(sizes, 3, i))})
	}
	return t
}
