package metricjobs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Chunked interactions. social_engagement counts every interaction up to
// the as-of day (its tiers and stages are those of the as-of date, for
// every month), and the interactions are its largest input by far. On the
// nightly path it reads them a few loads at a time, each chunk added to a
// metrics.SocialInteractions (which keeps a few bytes per interaction) and
// released before the next is read, and the customer of each account once
// from its identity assignment (sql/social_links.sql), so the interactions
// are never all held as Arrow batches nor joined to their customers row by
// row. The mart is the same
// as from one read of the core view (the reference path of run --full,
// and of BigQuery): the view is the raw rows with their account's
// customer.

// socialChunkRows is about how many interactions one chunk holds (a load
// with more is a chunk of its own).
var socialChunkRows int64 = 1 << 20

// socialInteractions reads the interactions up to the as-of day for
// metrics.SocialEngagementOf: chunked on the nightly path where the
// warehouse has the tables the core view joins (raw_social_interactions,
// identity_assignments), in one read of the view otherwise. A missing
// social_interactions reads as none (noted as absent).
func (r *run) socialInteractions() (*metrics.SocialInteractions, error) {
	x, err := metrics.NewSocialInteractions(r.common)
	if err != nil {
		return nil, err
	}
	chunked := r.narrow()
	for _, t := range []struct {
		table string
		cols  []string
	}{
		{"raw_social_interactions", []string{"_load_id", "platform", "openid", "ts", "action", "content_category"}},
		{"identity_assignments", []string{"rec_table", "rec_key", "customer_id"}},
	} {
		if !chunked {
			break
		}
		have, err := r.columns(t.table, t.cols...)
		if err != nil {
			return nil, err
		}
		chunked = len(have) == len(t.cols)
	}
	if !chunked {
		recs, err := r.optional("social_interactions", []string{"platform", "openid", "ts", "action", "content_category", "customer_id"},
			"interactions")
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			if err := x.Add(rec); err != nil {
				return nil, err
			}
		}
		return x, nil
	}
	have, err := r.columns("social_interactions", "platform", "openid", "ts", "action", "content_category", "customer_id")
	if err != nil {
		return nil, err
	}
	if len(have) < 6 {
		r.missing = append(r.missing, "social_interactions")
		return x, nil
	}
	chunks, err := r.socialChunks()
	if err != nil {
		return nil, err
	}
	d := warehouse.SQLOf(r.wh.Dialect())
	for _, loads := range chunks {
		lits := make([]string, len(loads))
		for i, l := range loads {
			lits[i] = d.String(l)
		}
		q, err := r.socialSQL("social_chunk", strings.Join(lits, ", "))
		if err != nil {
			return nil, err
		}
		recs, err := r.wh.Query(r.ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read social_interactions of loads %s: %w", strings.Join(loads, ", "), err)
		}
		r.rowsIn += warehouse.NumRows(recs)
		for _, rec := range recs {
			if err == nil {
				err = x.Add(rec)
			}
		}
		warehouse.Release(recs)
		if err != nil {
			return nil, err
		}
	}
	linkFile := "social_links"
	if slices.ContainsFunc(x.Platforms(), func(p string) bool { return strings.Contains(p, ":") }) {
		linkFile = "social_links_view"
	}
	q, err := r.socialSQL(linkFile, "")
	if err != nil {
		return nil, err
	}
	recs, err := r.wh.Query(r.ctx, q)
	defer warehouse.Release(recs)
	if err != nil {
		return nil, fmt.Errorf("read the customers of social accounts (sql/%s.sql): %w", linkFile, err)
	}
	for _, rec := range recs {
		if err := x.Link(rec); err != nil {
			return nil, fmt.Errorf("social_interactions: %w", err)
		}
	}
	return x, nil
}

// socialChunks groups the loads of raw_social_interactions, in load
// order, into chunks of about socialChunkRows interactions.
func (r *run) socialChunks() ([][]string, error) {
	q, err := r.socialSQL("social_loads", "")
	if err != nil {
		return nil, err
	}
	recs, err := r.wh.Query(r.ctx, q)
	defer warehouse.Release(recs)
	if err != nil {
		return nil, fmt.Errorf("count social_interactions by load: %w", err)
	}
	var (
		chunks [][]string
		cur    []string
		rows   int64
	)
	for _, rec := range recs {
		ids, ok := rec.Column(0).(*array.String)
		if !ok {
			return nil, fmt.Errorf("count social_interactions by load: load_id is %s, want a string", rec.Column(0).DataType())
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			n := warehouse.Int64At(rec, 1, i)
			if len(cur) > 0 && rows+n > socialChunkRows {
				chunks, cur, rows = append(chunks, cur), nil, 0
			}
			cur = append(cur, strings.Clone(ids.Value(i)))
			rows += n
		}
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks, nil
}

// socialSQL renders a chunked-read file for this run (loads: the SQL list
// of social_chunk.sql).
func (r *run) socialSQL(name, loads string) (string, error) {
	if u := queries.Undeclared(name, reads[r.job]); len(u) > 0 {
		return "", fmt.Errorf("job %s: sql/%s.sql reads %s, which the job does not declare (metricjobs reads)", r.job, name, strings.Join(u, ", "))
	}
	return queries.Render(name, warehouse.SQLOf(r.wh.Dialect()), struct {
		inputs
		Loads string
	}{inputs{End: r.end}, loads})
}
