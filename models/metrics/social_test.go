package metrics

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestSocialEngagement: as of 2024-03-31, 7-day conversion window.
//
// Accounts:
//
//	wechat o1 → C1 (East), followed 2024-03-01 10:00; C1 buys 2024-03-05 → converted
//	wechat o2 → C2 (North), followed 2024-03-10; C2 buys 2024-03-20 (10 days) → not
//	wechat o3 unlinked, followed 2024-02-15, unfollowed 2024-03-10
//	weibo  w1 → C1, followed 2024-02-01; C1 buys 2024-02-03 → converted
//	wechat o4 → C3 (no region), not following
//
// March interactions (9): o1 view beauty, like beauty, share tea; o2 view
// tea twice, click beauty; o3 view beauty; w1 comment tea; o4 view tea.
// February: o1 view tea. April: one, after the as-of date.
// RFM tiers: C1 high, C2 dormant. Stages: C1 loyal / repeat; C2 none.
func TestSocialEngagement(t *testing.T) {
	accounts := []arrow.RecordBatch{batch(t, "platform:s openid:s unionid:s phone:s followed_ts:t unfollowed_ts:t customer_id:s",
		[]any{"wechat", "o1", "u1", nil, "2024-03-01 10:00", nil, "C1"},
		[]any{"wechat", "o2", nil, "p2", "2024-03-10 10:00", nil, "C2"},
		[]any{"wechat", "o3", nil, nil, "2024-02-15 10:00", "2024-03-10 10:00", nil},
		[]any{"weibo", "w1", "u1", nil, "2024-02-01 10:00", nil, "C1"},
		[]any{"wechat", "o4", nil, "p4", nil, nil, "C3"},
	)}
	const ispec = "platform:s openid:s ts:t action:s content_id:s content_category:s customer_id:s"
	interactions := []arrow.RecordBatch{batch(t, ispec,
		[]any{"wechat", "o1", "2024-03-02 10:00", "view", "x1", "beauty", "C1"},
		[]any{"wechat", "o2", "2024-03-11 10:00", "view", "x2", "tea", "C2"},
		[]any{"wechat", "o1", "2024-03-02 10:05", "like", "x1", "beauty", "C1"},
		[]any{"wechat", "o3", "2024-03-03 10:00", "view", "x1", "beauty", nil},
		[]any{"wechat", "o2", "2024-03-12 10:00", "view", "x3", "tea", "C2"},
		[]any{"wechat", "o1", "2024-03-04 10:00", "share", "x2", "tea", "C1"},
		[]any{"wechat", "o2", "2024-03-13 10:00", "click", "x4", "beauty", "C2"},
		[]any{"weibo", "w1", "2024-03-05 10:00", "comment", "x2", "tea", "C1"},
		[]any{"wechat", "o4", "2024-03-06 10:00", "view", "x2", "tea", "C3"},
		[]any{"wechat", "o1", "2024-02-20 10:00", "view", "x2", "tea", "C1"},
		[]any{"wechat", "o1", "2024-04-02 10:00", "view", "x2", "tea", "C1"},
	)}
	customers := []arrow.RecordBatch{batch(t, "customer_id:s region:s", []any{"C1", "East"}, []any{"C2", "North"}, []any{"C3", nil})}
	tiers := []arrow.RecordBatch{batch(t, "customer_id:s tier:s", []any{"C1", "high"}, []any{"C2", "dormant"})}
	stages := []arrow.RecordBatch{batch(t, "customer_id:s aipl_stage:s pyramid_stage:s", []any{"C1", "loyal", "repeat"})}
	orders := []arrow.RecordBatch{batch(t, orderSpec,
		[]any{"tmall", "1", "2024-02-03 10:00", "C1", nil, nil, "paid", 30},
		[]any{"tmall", "2", "2024-03-05 10:00", "C1", nil, nil, "paid", 50},
		[]any{"jd", "3", "2024-03-20 10:00", "C2", nil, nil, "paid", 40},
	)}
	defer releaseAll(accounts, interactions, customers, tiers, stages, orders)
	recs, st, err := SocialEngagement(interactions, accounts, customers, tiers, stages, orders,
		SocialOptions{Common: Common{AsOf: asOf("2024-03-31"), Location: shanghai}, ConversionDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer release(recs)
	if !recs[0].Schema().Equal(SocialSchema) {
		t.Fatalf("schema %s", recs[0].Schema())
	}
	rows := rowsOf(t, recs)
	mar := func(dim, key string) row { return pick(t, rows, "period", "2024-03", "dimension", dim, "key", key) }

	// March: 9 interactions: 5 views, 1 like, 1 comment, 1 share, 1 click;
	// 5 accounts; customers C1, C2, C3.
	want(t, mar(DimTotal, "all"), "interactions", 9, "views", 5, "likes", 1, "comments", 1, "shares", 1, "clicks", 1,
		"users", 5, "customers", 3, "share", 1.0, "followers", nil)
	// beauty: o1 ×2, o2 click, o3 view = 4 (accounts o1, o2, o3; customers
	// C1, C2); tea: o1 share, o2 ×2, w1, o4 = 5 (accounts o1, o2, w1, o4;
	// customers C1, C2, C3).
	want(t, mar(DimCategory, "beauty"), "interactions", 4, "users", 3, "customers", 2, "share", 4.0/9)
	want(t, mar(DimCategory, "tea"), "interactions", 5, "users", 4, "customers", 3, "share", 5.0/9)
	// Regions: East = C1 (o1 ×3, w1) = 4, 2 accounts, 1 customer; North =
	// C2 = 3; unknown = o3 (unlinked) + o4 (C3 has no region) = 2.
	want(t, mar(DimRegion, "East"), "interactions", 4, "users", 2, "customers", 1)
	want(t, mar(DimRegion, "North"), "interactions", 3, "users", 1, "customers", 1)
	want(t, mar(DimRegion, Unknown), "interactions", 2, "users", 2, "customers", 1)
	// Tiers and stages: C1 → high, loyal, repeat (4); C2 → dormant (3) and
	// no stage; o3 and o4 unknown.
	want(t, mar(DimRFMTier, "high"), "interactions", 4)
	want(t, mar(DimRFMTier, "dormant"), "interactions", 3)
	want(t, mar(DimRFMTier, Unknown), "interactions", 2)
	want(t, mar(DimAIPLStage, "loyal"), "interactions", 4)
	want(t, mar(DimAIPLStage, Unknown), "interactions", 5)
	want(t, mar(DimPyramidStage, "repeat"), "interactions", 4)
	// Region × category affinity. Overall shares: beauty 4/9, tea 5/9.
	// East: beauty 2, tea 2 of 4 → shares 1/2; index beauty 100·(1/2)/(4/9)
	// = 112.5, tea 100·(1/2)/(5/9) = 90; tie → rank by name.
	// North: tea 2, beauty 1 of 3 → tea 100·(2/3)/(5/9) = 120 (rank 1),
	// beauty 100·(1/3)/(4/9) = 75 (rank 2).
	rc := func(reg, cat string) row {
		return pick(t, rows, "period", "2024-03", "dimension", DimRegionCategory, "key", reg, "subkey", cat)
	}
	want(t, rc("East", "beauty"), "interactions", 2, "share", 0.5, "overall_share", 4.0/9, "affinity_index", 112.5, "rank", 1)
	want(t, rc("East", "tea"), "interactions", 2, "share", 0.5, "overall_share", 5.0/9, "affinity_index", 90.0, "rank", 2)
	want(t, rc("North", "tea"), "interactions", 2, "share", 2.0/3, "affinity_index", 120.0, "rank", 1)
	want(t, rc("North", "beauty"), "interactions", 1, "share", 1.0/3, "affinity_index", 75.0, "rank", 2)
	want(t, rc(Unknown, "beauty"), "interactions", 1, "affinity_index", 112.5)
	// February: o1's one view of tea.
	want(t, pick(t, rows, "period", "2024-02", "dimension", DimTotal), "interactions", 1, "views", 1, "users", 1, "customers", 1)

	// Followers. February: o3 and w1 follow (w1 linked, converted by C1's
	// Feb 3 purchase) → 2 followers, 1 linked, rate 1/2. March: o1 and o2
	// follow (both linked; o1 converted by Mar 5, o2's purchase is 10 days
	// later), o3 leaves → 2 + 2 - 1 = 3 followers, all linked.
	fol := func(period, key string) row {
		return pick(t, rows, "period", period, "dimension", DimFollowers, "key", key)
	}
	want(t, fol("2024-02", "all"), "followers", 2, "linked_followers", 1, "new_followers", 2, "linked_new_followers", 1,
		"converted_followers", 1, "conversion_rate", 0.5, "conversion_days", 7, "interactions", nil)
	want(t, fol("2024-03", "all"), "followers", 3, "linked_followers", 3, "new_followers", 2, "linked_new_followers", 2,
		"converted_followers", 1, "conversion_rate", 0.5)
	want(t, fol("2024-02", "wechat"), "followers", 1, "linked_followers", 0, "new_followers", 1, "converted_followers", 0, "conversion_rate", 0.0)
	want(t, fol("2024-02", "weibo"), "followers", 1, "linked_followers", 1, "new_followers", 1, "converted_followers", 1)
	want(t, fol("2024-03", "wechat"), "followers", 2, "linked_followers", 2, "new_followers", 2, "converted_followers", 1)
	want(t, fol("2024-03", "weibo"), "followers", 1, "new_followers", 0, "conversion_rate", nil)

	if st.Interactions != 11 || st.LaterInteractions != 1 || st.UnlinkedInteractions != 1 || st.Accounts != 5 ||
		st.LinkedAccounts != 4 || st.Followers != 4 || st.TieredCustomers != 2 || st.StagedCustomers != 1 {
		t.Errorf("stats %+v", st)
	}

	// Without the rfm and lifecycle marts every tier and stage is unknown.
	recs2, _, err := SocialEngagement(interactions, accounts, customers, nil, nil, orders,
		SocialOptions{Common: Common{AsOf: asOf("2024-03-31"), Location: shanghai}, ConversionDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer release(recs2)
	rows2 := rowsOf(t, recs2)
	want(t, pick(t, rows2, "period", "2024-03", "dimension", DimRFMTier, "key", Unknown), "interactions", 9)
	if n := count(rows2, "period", "2024-03", "dimension", DimAIPLStage); n != 1 {
		t.Errorf("%d stage rows without stages, want 1", n)
	}
}
