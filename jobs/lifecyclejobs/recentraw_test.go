package lifecyclejobs

import (
	"context"
	"testing"
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
	extra := `INSERT INTO social_interactions (platform, openid, ts, action, customer_id) VALUES
		('wechat', 'w7', '2023-01-01 12:00:00+08', 'like', 'h7'),
		('weibo', 'b7', '2023-02-01 12:00:00+08', 'view', 'h7'),
		('weibo', 'b7', '2023-01-15 12:00:00+08', 'like', 'h7'),
		('qq', 'q8', '2023-03-01 12:00:00.7+08', 'like', 'h8'),
		('wechat', 'w8', '2023-03-01 12:00:00.2+08', 'view', 'h8'),
		('wechat', 'w8', '2022-12-01 12:00:00+08', 'view', 'h8')`
	follows := `INSERT INTO social_accounts (platform, openid, followed_ts, unfollowed_ts, customer_id) VALUES
		('qq', 'q7', '2019-01-01 08:00:00+08', NULL, 'h7'), ('douyin', 'd8', '2019-01-01 08:00:00+08', NULL, 'h8')`
	wh, cfg := recentFixture(t, append([]string{extra, follows}, rawSQL...)...)
	if ok, err := rawInteractions(context.Background(), wh); err != nil || !ok {
		t.Fatalf("rawInteractions = %v, %v: the recent path would read the view", ok, err)
	}
	want := append(append([]string(nil), recentWant...), "h7|interested|interested|weibo", "h8|interested|interested|wechat")
	full, recent := fullAndRecent(t, wh, cfg, want)
	// Left out: h3's view of 2022-05-01 (its " Like" is kept, spelled
	// otherwise), h7's like of 2023-01-15 (b7's latest second is 02-01;
	// w7's only row stays), h8's view of 2022-12-01, and the older orders.
	if recent.Events >= full.Events {
		t.Errorf("recent path read %d events, full %d: nothing was reduced", recent.Events, full.Events)
	}
}
