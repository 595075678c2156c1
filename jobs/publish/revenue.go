package publish

import (
	"context"
	"embed"
	"fmt"
	"sort"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
	"github.com/crmkit/crmkit/reports"
)

//go:embed sql/revenue/*.sql
var revenueSQLFS embed.FS

var revenueQueries = sqlfile.MustParse(revenueSQLFS, "sql/revenue")

// queryMonthlyRevenue reads net revenue per month (in loc) and channel
// from orders, for reports.WriteRevenueXLSX and WriteRevenueHTML (reports
// render what they are handed and do not query).
func queryMonthlyRevenue(ctx context.Context, wh warehouse.Querier, loc *time.Location) (*reports.MonthlyRevenue, error) {
	d := warehouse.SQLOfQuerier(wh)
	q, err := revenueQueries.Render("span", d, nil)
	if err != nil {
		return nil, fmt.Errorf("monthly revenue: %w", err)
	}
	// The months the orders span, so the month of each order is found by
	// comparing with the month boundaries instead of converting every
	// order to local time.
	span, err := wh.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("monthly revenue: %w", err)
	}
	var first, last time.Time
	if len(span) > 0 && span[0].NumRows() > 0 {
		first, last = warehouse.TimeAt(span[0], 0, 0), warehouse.TimeAt(span[0], 1, 0)
	}
	warehouse.Release(span)
	q, err = revenueQueries.Render("monthly", d, map[string]string{"Month": reports.MonthCase(d, "order_ts", loc, first, last)})
	if err != nil {
		return nil, fmt.Errorf("monthly revenue: %w", err)
	}
	recs, err := wh.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("monthly revenue: %w", err)
	}
	defer warehouse.Release(recs)
	mr := &reports.MonthlyRevenue{Net: map[string]map[string]float64{}}
	chans := map[string]bool{}
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			m, c, v := warehouse.StringAt(rec, 0, i), warehouse.StringAt(rec, 1, i), warehouse.FloatAt(rec, 2, i)
			if mr.Net[m] == nil {
				mr.Net[m] = map[string]float64{}
				mr.Months = append(mr.Months, m)
			}
			mr.Net[m][c] = v
			chans[c] = true
		}
	}
	for c := range chans {
		mr.Channels = append(mr.Channels, c)
	}
	sort.Strings(mr.Channels)
	sort.Strings(mr.Months)
	return mr, nil
}
