package publish

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// eventTimes says, per canonical table, which columns hold the time of
// the events a source's rows record; the newest of them is the source's
// freshness. Masters (products, stores, campaigns) have none.
var eventTimes = map[string][]string{
	"order_lines":         {"order_ts"},
	"social_accounts":     {"followed_ts", "unfollowed_ts"},
	"social_interactions": {"ts"},
	"campaign_contacts":   {"contacted_ts"},
	"service_tickets":     {"opened_ts", "closed_ts"},
}

// LoadEventsSchema is publish_load_events: the newest event time of each
// event column (eventTimes) in the raw rows of each load, so a publish
// reads the raw rows of the loads it has not seen yet instead of every
// raw row of every source. A load's raw rows do not change while it stays
// loaded; loaded_at tells a load apart from a later load of the same
// content. newest is NULL when the load has no time in the column.
var LoadEventsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "load_id", Type: arrow.BinaryTypes.String},
	{Name: "loaded_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "raw_table", Type: arrow.BinaryTypes.String},
	{Name: "col", Type: arrow.BinaryTypes.String},
	{Name: "newest", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// freshnessBase is one row per source with loaded files: the newest load
// and the rows loaded and quarantined (Newest not yet set).
func freshnessBase(ctx context.Context, wh warehouse.Querier) ([]reports.SourceFreshness, error) {
	recs, err := wh.Query(ctx, cardSQL["freshness_loads"])
	if err != nil {
		return nil, err
	}
	defer warehouse.Release(recs)
	var out []reports.SourceFreshness
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			out = append(out, reports.SourceFreshness{Source: warehouse.StringAt(r, 0, i), LoadedAt: warehouse.TimeAt(r, 1, i),
				Rows: int64(warehouse.FloatAt(r, 2, i)), Quarantined: int64(warehouse.FloatAt(r, 3, i))})
		}
	}
	return out, nil
}

// rawTables are the raw tables with event times that the config's
// sources load, sorted, each with its sources.
func rawTables(cfg *config.Config) (names []string, sources map[string][]string) {
	sources = map[string][]string{}
	for _, s := range cfg.Sources {
		if len(eventTimes[s.Table]) == 0 {
			continue
		}
		raw := "raw_" + s.Table
		if sources[raw] == nil {
			names = append(names, raw)
		}
		sources[raw] = append(sources[raw], s.Name)
	}
	sort.Strings(names)
	return names, sources
}

// setNewest sets Newest of each row of out from newest (source -> time).
func setNewest(out []reports.SourceFreshness, newest map[string]time.Time) {
	for i := range out {
		if t, ok := newest[out[i].Source]; ok && t.After(out[i].Newest) {
			out[i].Newest = t
		}
	}
}

// freshness is one row per source: the newest event time in its kept
// rows (raw rows of loaded files) and the newest load time, read from the
// raw tables (one grouped query per raw table). Run reads the same from
// publish_load_events (loadFreshness).
func (b *builder) freshness(cfg *config.Config) []reports.SourceFreshness {
	out, err := freshnessBase(b.ctx, b.wh)
	if err != nil {
		b.note(err, "freshness")
		return nil
	}
	names, _ := rawTables(cfg)
	newest := map[string]time.Time{}
	for _, raw := range names {
		if !b.exists(raw) {
			continue
		}
		cols := eventTimes[raw[len("raw_"):]]
		q := b.render("freshness of "+raw, "freshness_events", sqlData{Table: raw, Cols: cols})
		recs, err := b.wh.Query(b.ctx, q)
		if err != nil {
			b.note(err, "freshness of "+raw)
			continue
		}
		for _, r := range recs {
			for i := 0; i < int(r.NumRows()); i++ {
				src := warehouse.StringAt(r, 0, i)
				for j := range cols {
					if t := warehouse.TimeAt(r, j+1, i); t.After(newest[src]) {
						newest[src] = t
					}
				}
			}
		}
		warehouse.Release(recs)
	}
	setNewest(out, newest)
	return out
}

// loadFreshness brings publish_load_events up to date with the loaded
// files (every load again when full) and returns the freshness rows read
// from it: the same as freshness, with the raw rows of only the loads not
// recorded yet read.
func loadFreshness(ctx context.Context, wh warehouse.Querier, cfg *config.Config, full bool) ([]reports.SourceFreshness, error) {
	d := warehouse.SQLOfQuerier(wh)
	if err := warehouse.CreateTable(ctx, wh, "publish_load_events", LoadEventsSchema); err != nil {
		return nil, fmt.Errorf("create publish_load_events: %w", err)
	}
	if full {
		if err := wh.Exec(ctx, cardSQL["load_events_clear"]); err != nil {
			return nil, fmt.Errorf("clear publish_load_events: %w", err)
		}
	}
	names, sources := rawTables(cfg)
	for _, raw := range names {
		ok, err := warehouse.TableExists(ctx, wh, raw)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		data := sqlData{Table: raw, TableName: d.String(raw)}
		for _, s := range sources[raw] {
			data.Sources = append(data.Sources, d.String(s))
		}
		q, err := periodFiles.Render("load_events_new", d, data)
		if err != nil {
			return nil, err
		}
		recs, err := wh.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("publish_load_events of %s: %w", raw, err)
		}
		for _, r := range recs {
			for i := 0; i < int(r.NumRows()); i++ {
				data.IDs = append(data.IDs, d.String(warehouse.StringAt(r, 0, i)))
			}
		}
		warehouse.Release(recs)
		if len(data.IDs) == 0 {
			continue
		}
		// A load recorded under an earlier loaded_at is recorded again.
		q, err = periodFiles.Render("load_events_delete", d, data)
		if err != nil {
			return nil, err
		}
		if err := wh.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("publish_load_events of %s: %w", raw, err)
		}
		for _, c := range eventTimes[raw[len("raw_"):]] {
			data.Column, data.ColName = d.Ident(c), d.String(c)
			q, err := periodFiles.Render("load_events_insert", d, data)
			if err != nil {
				return nil, err
			}
			if err := wh.Exec(ctx, q); err != nil {
				return nil, fmt.Errorf("publish_load_events of %s.%s: %w", raw, c, err)
			}
		}
	}
	out, err := freshnessBase(ctx, wh)
	if err != nil {
		return nil, err
	}
	recs, err := wh.Query(ctx, cardSQL["load_events_newest"])
	if err != nil {
		return nil, fmt.Errorf("read publish_load_events: %w", err)
	}
	defer warehouse.Release(recs)
	newest := map[string]time.Time{}
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			src, raw := warehouse.StringAt(r, 0, i), warehouse.StringAt(r, 1, i)
			if s, ok := cfg.Source(src); !ok || "raw_"+s.Table != raw {
				continue
			}
			if t := warehouse.TimeAt(r, 2, i); t.After(newest[src]) {
				newest[src] = t
			}
		}
	}
	setNewest(out, newest)
	return out, nil
}
