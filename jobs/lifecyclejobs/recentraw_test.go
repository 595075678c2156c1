package lifecyclejobs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crmkit/crmkit/models/lifecycle"
)

// rawSQL turns the social_interactions table of setup and oldSQL into what
// ingest and core make: raw rows, the customer of each account in
// identity_assignments, and the core view joining them.
var rawSQL = []string{
	`CREATE TABLE raw_social_interactions AS SELECT * EXCLUDE (customer_id) FROM social_interactions`,
	`CREATE TABLE identity_assignments AS SELECT DISTINCT 'social_interactions' AS rec_table, platform || ':' || openid AS rec_key,
		customer_id FROM social_interactions WHERE customer_id IS NOT NULL`,
	`DROP TABLE social_interactions`,
	`CREATE VIEW social_interactions AS SELECT r.*, a.customer_id FROM raw_social_interactions r
		LEFT JOIN identity_assignments a ON a.rec_table = 'social_interactions' AND a.rec_key = r.platform || ':' || r.openid`,
}

// TestRecentFromRawEqualsFull: the recent path reading the raw rows
// (sql/interactions_raw.sql: older rows reduced to each account's latest
// second) gives the full path's stages, counts and flows over the
// population of TestRecentEqualsFull and two customers who never bought,
// follow since 2019 (so both dates find them interested) and interacted
// with two more accounts each before the cutoff (2024-03-02):
//
//	h7 follows qq q7; wechat w7 like 2023-01-01 12:00,
//	   weibo b7 view 2023-02-01 12:00 and like 2023-01-15  interested -> interested, weibo (latest event)
//	h8 follows douyin d8; qq q8 like 2023-03-01
//	   12:00:00.7, wechat w8 view 12:00:00.2 that day
//	   and 2022-12-01                                      interested -> interested, wechat (one second: the greater name)
func TestRecentFromRawEqualsFull(t *testing.T) {
	wh, cfg := setup(t)
	ctx := context.Background()
	extra := `INSERT INTO social_interactions (platform, openid, ts, action, customer_id) VALUES
		('wechat', 'w7', '2023-01-01 12:00:00+08', 'like', 'h7'),
		('weibo', 'b7', '2023-02-01 12:00:00+08', 'view', 'h7'),
		('weibo', 'b7', '2023-01-15 12:00:00+08', 'like', 'h7'),
		('qq', 'q8', '2023-03-01 12:00:00.7+08', 'like', 'h8'),
		('wechat', 'w8', '2023-03-01 12:00:00.2+08', 'view', 'h8'),
		('wechat', 'w8', '2022-12-01 12:00:00+08', 'view', 'h8')`
	follows := `INSERT INTO social_accounts (platform, openid, followed_ts, unfollowed_ts, customer_id) VALUES
		('qq', 'q7', '2019-01-01 08:00:00+08', NULL, 'h7'), ('douyin', 'd8', '2019-01-01 08:00:00+08', NULL, 'h8')`
	for _, q := range append(append(append([]string(nil), oldSQL...), extra, follows), rawSQL...) {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if ok, err := rawInteractions(ctx, wh); err != nil || !ok {
		t.Fatalf("rawInteractions = %v, %v: the recent path would read the view", ok, err)
	}
	p := Params(cfg)
	asOf := time.Date(2024, 6, 30, 0, 0, 0, 0, cfg.Location)
	prev := lifecycle.PrevMonth(asOf)
	full, err := compute(ctx, wh, p, asOf, prev, false)
	if err != nil {
		t.Fatal(err)
	}
	recent, err := compute(ctx, wh, p, asOf, prev, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
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
		"h7|interested|interested|weibo",
		"h8|interested|interested|wechat",
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
	// Left out: h3's view of 2022-05-01 (its " Like" is kept, spelled
	// otherwise), h7's like of 2023-01-15 (b7's latest second is 02-01;
	// w7's only row stays), h8's view of 2022-12-01, and the older orders.
	if recent.Events >= full.Events {
		t.Errorf("recent path read %d events, full %d: nothing was reduced", recent.Events, full.Events)
	}
}
