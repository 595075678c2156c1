package lifecyclejobs

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/models/lifecycle"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Events older than the cutoff (as of 2024-06-30, previous date 2024-05-30,
// Asia/Shanghai: the purchase window of 2024-05-30 starts 2023-06-01),
// added to the population of TestJob. Worked out by hand:
//
//	h1 purchase 2022-01-05 tmall, 2024-06-10 jd         none -> repeat (bought before the window), jd
//	h2 purchases 2021-01-01 jd, 2022-03-01 10:00:00 tmall
//	   and 10:00:00.5 pos (one second: the greater name
//	   wins, not the later), like 2024-06-20 weibo                 none -> interested, tmall (latest purchase, however old)
//	h3 follows wechat since 2020-01-01; view 2022-05-01
//	   wechat, " Like" 2022-06-01 weibo (an interaction
//	   spelled otherwise), "dance" 2022-07-01 douyin
//	   (not an action: ignored)                          interested -> interested, weibo (latest event)
//	h4 follows qq since 2019-01-01; target contact
//	   2021-03-01 campaign K0 on email                   interested -> interested, email
//	h5 purchase 2023-05-31 23:59:59.9 pos (just before
//	   the cutoff), 2023-06-01 00:00:00 tmall (on it:
//	   in the window of 05-30 only)                      repeat (05-31 is another day) -> lost (flows)
//	h6 follows qq since 2019-01-01; view 2023-11-01
//	   wechat, like 2023-12-01 douyin (both older than
//	   the interaction windows, within the purchase one) interested -> interested, douyin
//	an anonymous receipt of 2022 counts nowhere.
var oldSQL = []string{
	`INSERT INTO orders (channel, order_id, order_ts, customer_id, paid_amount, refund_amount, net_amount) VALUES
		('tmall', 'h1a', '2022-01-05 10:00:00+08', 'h1', 10, 0, 10),
		('jd', 'h1b', '2024-06-10 10:00:00+08', 'h1', 10, 0, 10),
		('jd', 'h2a', '2021-01-01 10:00:00+08', 'h2', 10, 0, 10),
		('tmall', 'h2b', '2022-03-01 10:00:00+08', 'h2', 10, 0, 10),
		('pos', 'h2c', '2022-03-01 10:00:00.5+08', 'h2', 10, 0, 10),
		('pos', 'h5a', '2023-05-31 23:59:59.9+08', 'h5', 10, 0, 10),
		('tmall', 'h5b', '2023-06-01 00:00:00+08', 'h5', 10, 0, 10),
		('pos', 'ax', '2022-02-02 10:00:00+08', NULL, 10, 0, 10)`,
	`INSERT INTO social_interactions (platform, openid, ts, action, customer_id) VALUES
		('weibo', 'b2', '2024-06-20 12:00:00+08', 'like', 'h2'),
		('wechat', 'w3', '2022-05-01 12:00:00+08', 'view', 'h3'),
		('weibo', 'b3', '2022-06-01 12:00:00+08', ' Like', 'h3'),
		('douyin', 'd3', '2022-07-01 12:00:00+08', 'dance', 'h3'),
		('wechat', 'w6', '2023-11-01 12:00:00+08', 'view', 'h6'),
		('douyin', 'd6', '2023-12-01 12:00:00+08', 'like', 'h6')`,
	`INSERT INTO social_accounts (platform, openid, followed_ts, unfollowed_ts, customer_id) VALUES
		('wechat', 'w3', '2020-01-01 08:00:00+08', NULL, 'h3'),
		('qq', 'q4', '2019-01-01 08:00:00+08', NULL, 'h4'),
		('qq', 'q6', '2019-01-01 08:00:00+08', NULL, 'h6')`,
	`INSERT INTO campaigns VALUES ('K0', 'spring', 'email', DATE '2021-03-01', DATE '2021-03-31', 10)`,
	`INSERT INTO campaign_contacts (campaign_id, identifier, contact_group, contacted_ts, customer_id) VALUES
		('K0', 'p4', 'target', '2021-03-01 09:00:00+08', 'h4')`,
}

func stageRows(res *lifecycle.Result) []string {
	var out []string
	for _, c := range res.Customers {
		out = append(out, fmt.Sprintf("%s|%s|%s|%s", c.CustomerID, c.Prev, c.Pyramid, c.Channel))
	}
	sort.Strings(out)
	return out
}

// recentFixture is setup with oldSQL and then extra run on the warehouse.
func recentFixture(t *testing.T, extra ...string) (*warehouse.DuckDB, *config.Config) {
	t.Helper()
	wh, cfg := setup(t)
	for _, q := range append(append([]string(nil), oldSQL...), extra...) {
		if err := wh.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return wh, cfg
}

// recentWant are the hand-worked stages (customer|previous|as-of|channel)
// of setup and oldSQL as of 2024-06-30.
var recentWant = []string{
	"g1||first_purchase|tmall",
	"g2|first_purchase|first_purchase|pos",
	"g4||aware|sms",
	"g5|interested|interested|wechat",
	"g6|advocate|advocate|pos",
	"h1||repeat|jd",
	"h2||interested|tmall",
	"h3|interested|interested|weibo",
	"h4|interested|interested|email",
	"h6|interested|interested|douyin",
}

// fullAndRecent computes the stages as of 2024-06-30 (previous date
// 2024-05-30) on the full and the recent path, checks that both give want
// and the same counts and flows, and returns both results.
func fullAndRecent(t *testing.T, wh *warehouse.DuckDB, cfg *config.Config, want []string) (full, recent *lifecycle.Result) {
	t.Helper()
	ctx := context.Background()
	p := Params(cfg)
	asOf := time.Date(2024, 6, 30, 0, 0, 0, 0, cfg.Location)
	prev := lifecycle.PrevMonth(asOf)
	full, err := compute(ctx, wh, p, asOf, prev, false)
	if err != nil {
		t.Fatal(err)
	}
	recent, err = compute(ctx, wh, p, asOf, prev, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		res  *lifecycle.Result
	}{{"full", full}, {"recent", recent}} {
		equal(t, c.name+" stages", stageRows(c.res), want)
	}
	if fmt.Sprint(full.Counts) != fmt.Sprint(recent.Counts) {
		t.Errorf("counts differ:\nfull   %v\nrecent %v", full.Counts, recent.Counts)
	}
	if fmt.Sprint(full.Flows) != fmt.Sprint(recent.Flows) {
		t.Errorf("flows differ:\nfull   %v\nrecent %v", full.Flows, recent.Flows)
	}
	if full.KnownCustomers != recent.KnownCustomers {
		t.Errorf("known customers: full %d, recent %d", full.KnownCustomers, recent.KnownCustomers)
	}
	return full, recent
}

// TestRecentEqualsFull: the recent path (events before the cutoff reduced
// to each customer's latest second) gives the full path's stages, counts
// and flows, and both give the hand-worked stages.
func TestRecentEqualsFull(t *testing.T) {
	wh, cfg := recentFixture(t)
	p := Params(cfg)
	asOf := time.Date(2024, 6, 30, 0, 0, 0, 0, cfg.Location)
	// The windows of 2024-05-30: purchases from 2023-06-01, interactions
	// and contacts (90 days) from 2024-03-02.
	want0 := Cuts{Purchases: time.Date(2023, 6, 1, 0, 0, 0, 0, cfg.Location), Interactions: time.Date(2024, 3, 2, 0, 0, 0, 0, cfg.Location),
		Contacts: time.Date(2024, 3, 2, 0, 0, 0, 0, cfg.Location)}
	if got := Cutoffs(p, asOf, lifecycle.PrevMonth(asOf)); !got.Purchases.Equal(want0.Purchases) || !got.Interactions.Equal(want0.Interactions) || !got.Contacts.Equal(want0.Contacts) {
		t.Fatalf("cutoffs %+v, want %+v", got, want0)
	}
	full, recent := fullAndRecent(t, wh, cfg, recentWant)
	// h5 is the one repeat -> lost of the pyramid matrix.
	lost := false
	for _, f := range recent.Flows {
		if f.View == lifecycle.ViewPyramid && f.From == "repeat" && f.To == lifecycle.ToLost {
			lost = f.Customers == 1
		}
	}
	if !lost {
		t.Errorf("flows: want one repeat -> lost (h5): %v", recent.Flows)
	}
	// The recent path read fewer events: h1's, h2's and h3's older rows
	// but the latest are left out (3), and the anonymous receipt of 2022.
	if recent.Events >= full.Events {
		t.Errorf("recent path read %d events, full %d: nothing was reduced", recent.Events, full.Events)
	}
}
