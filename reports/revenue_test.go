package reports

import (
	"context"
	"testing"
	"time"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// MonthCase labels timestamps with the same month as converting each one
// to local time, at the month boundaries, outside the given span, in zones
// with and without daylight saving time.
func TestMonthCaseMatchesLocalDate(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(":memory:", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	d := warehouse.SQLOf(wh.Dialect())
	for _, tz := range []string{"Asia/Shanghai", "America/New_York", "Asia/Kolkata", "UTC"} {
		loc, _ := time.LoadLocation(tz)
		first := time.Date(2024, 1, 15, 12, 0, 0, 0, loc)
		last := time.Date(2024, 12, 3, 0, 0, 0, 0, loc)
		var probes []time.Time
		for m := time.Date(2023, 11, 1, 0, 0, 0, 0, loc); m.Before(time.Date(2025, 3, 1, 0, 0, 0, 0, loc)); m = m.AddDate(0, 1, 0) {
			probes = append(probes, m, m.Add(-time.Second), m.Add(time.Second), m.AddDate(0, 0, 14))
		}
		probes = append(probes, time.Date(2024, 3, 10, 2, 30, 0, 0, loc), time.Date(2024, 11, 3, 1, 30, 0, 0, loc))
		for _, p := range probes {
			lit := "CAST(" + d.String(p.UTC().Format(time.RFC3339)) + " AS TIMESTAMPTZ)"
			recs, err := wh.Query(ctx, "SELECT "+MonthCase(d, lit, loc, first, last)+", "+d.FormatDate(d.LocalDate(lit, tz), "%Y-%m"))
			if err != nil {
				t.Fatal(err)
			}
			got, want := warehouse.StringAt(recs[0], 0, 0), warehouse.StringAt(recs[0], 1, 0)
			warehouse.Release(recs)
			if got != want || want != p.In(loc).Format("2006-01") {
				t.Errorf("%s %s: MonthCase %q, local date %q, Go %q", tz, p.UTC(), got, want, p.In(loc).Format("2006-01"))
			}
		}
	}
	// No span: the plain conversion.
	if got, want := MonthCase(d, "x", time.UTC, time.Time{}, time.Time{}), d.FormatDate(d.LocalDate("x", "UTC"), "%Y-%m"); got != want {
		t.Errorf("without a span %s, want %s", got, want)
	}
}
