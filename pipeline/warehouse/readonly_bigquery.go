//go:build !nobigquery

package warehouse

import (
	"context"
	"fmt"

	"cloud.google.com/go/bigquery"
	"github.com/apache/arrow-go/v18/arrow"
)

// QueryReadOnly dry-runs query first and runs it only when BigQuery reports
// a SELECT statement (a dry run neither reads data nor changes anything).
func (w *BigQuery) QueryReadOnly(ctx context.Context, query string) ([]arrow.RecordBatch, error) {
	p, err := prepare(query, "", nil)
	if err != nil {
		return nil, err
	}
	q := w.newQuery(w.rest, p)
	q.DryRun = true
	job, err := q.Run(ctx)
	if err != nil {
		return nil, fmt.Errorf("dry run: %w", err)
	}
	st := job.LastStatus()
	if st == nil || st.Statistics == nil {
		return nil, fmt.Errorf("dry run gave no statement type: %w", ErrNotAQuery)
	}
	qs, ok := st.Statistics.Details.(*bigquery.QueryStatistics)
	if !ok || qs.StatementType != "SELECT" {
		typ := "unknown"
		if ok {
			typ = qs.StatementType
		}
		return nil, fmt.Errorf("%s statement refused: %w", typ, ErrNotAQuery)
	}
	return w.Query(ctx, query)
}
