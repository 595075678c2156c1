package metricjobs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crmkit/crmkit/internal/sqltest"
	"github.com/crmkit/crmkit/jobs"
)

// TestNarrowEqualsFull: campaign_effect, channel_credit and
// social_engagement write the same mart from their narrow order reads as
// from every order (run --full), at as-of dates where campaign windows
// are still open (2024-09-10: K1 contacted 09-01, window 30 days; K2 not
// started) and closed, and read fewer orders doing so.
func TestNarrowEqualsFull(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, day := range []string{"2024-09-10", "2024-10-31", "2025-02-28"} {
		asOf, err := time.ParseInLocation(time.DateOnly, day, f.cfg.Location)
		if err != nil {
			t.Fatal(err)
		}
		for _, job := range []*jobs.Job{CampaignJob(f.cfg), CreditJob(f.cfg), SocialJob(f.cfg)} {
			t.Run(fmt.Sprintf("%s as of %s", job.Name, day), func(t *testing.T) {
				var got [2][][]any
				var cols []string
				var in [2]int64
				for k, full := range []bool{false, true} {
					res, err := job.Run(ctx, &jobs.Env{Cfg: f.cfg, WH: f.wh, AsOf: asOf, Full: full})
					if err != nil {
						t.Fatal(err)
					}
					in[k] = res.RowsIn
					cols, got[k] = sqltest.Rows(t, f.db, fmt.Sprintf("SELECT * FROM %s WHERE as_of = DATE '%s' ORDER BY ALL", job.Name, day))
				}
				if len(got[1]) == 0 {
					t.Fatalf("the full path wrote no rows for %s", day)
				}
				if d := sqltest.Diff(cols, got[0], got[1], func(string) float64 { return 1e-9 }); d != "" {
					t.Fatalf("narrow read differs from every order: %s", d)
				}
				if in[0] >= in[1] {
					t.Errorf("narrow read %d input rows, every order %d: nothing left out", in[0], in[1])
				}
			})
		}
	}
}
