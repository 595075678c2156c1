package metrics

import (
	"errors"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestSocialEngagementFromCounts: the mart rendered from the sums of
// TestSocialInteractionsInChunks' reference rows and its followers worked
// out by hand is the reference mart itself, shares, affinity, ranks,
// running follower counts and the months without interactions included.
func TestSocialEngagementFromCounts(t *testing.T) {
	opt := SocialOptions{Common: Common{AsOf: asOf("2024-03-31"), Location: shanghai}, ConversionDays: 7}
	accounts := []arrow.RecordBatch{batch(t, "platform:s openid:s followed_ts:t unfollowed_ts:t customer_id:s",
		[]any{"wechat", "o1", "2024-03-01 10:00", nil, "C1"},
		[]any{"wechat", "o2", "2024-03-10 10:00", nil, "C2"},
		[]any{"wechat", "o3", "2024-02-15 10:00", "2024-03-10 10:00", nil},
		[]any{"weibo", "w1", "2024-02-01 10:00", nil, "C1"},
	)}
	interactions := []arrow.RecordBatch{batch(t, "platform:s openid:s ts:t action:s content_category:s customer_id:s",
		[]any{"wechat", "o1", "2024-03-02 10:00", "view", "beauty", "C1"},
		[]any{"wechat", "o2", "2024-03-11 10:00", "view", "tea", "C2"},
		[]any{"wechat", "o1", "2024-03-02 10:05", "like", "beauty", "C1"},
		[]any{"wechat", "o3", "2024-03-03 10:00", "view", "beauty", nil},
		[]any{"wechat", "o1", "2024-03-04 10:00", "share", "tea", "C1"},
		[]any{"weibo", "w1", "2024-03-05 10:00", "comment", "tea", "C1"},
		[]any{"wechat", "o4", "2024-03-06 10:00", "view", "tea", "C3"},
		[]any{"wechat", "o1", "2024-01-20 10:00", "view", "tea", "C1"},
	)}
	customers := []arrow.RecordBatch{batch(t, "customer_id:s region:s", []any{"C1", "East"}, []any{"C2", "North"}, []any{"C3", "East"})}
	tiers := []arrow.RecordBatch{batch(t, "customer_id:s tier:s", []any{"C1", "high"}, []any{"C2", "dormant"})}
	orders := []arrow.RecordBatch{batch(t, orderSpec,
		[]any{"tmall", "1", "2024-02-03 10:00", "C1", nil, nil, "paid", 30},
		[]any{"tmall", "2", "2024-03-05 10:00", "C1", nil, nil, "paid", 50},
	)}
	defer releaseAll(accounts, interactions, customers, tiers, orders)
	ref, _, err := SocialEngagement(interactions, accounts, customers, tiers, nil, orders, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(ref)

	// The sums: the reference's interaction rows, months as indices.
	const sumSpec = "month:i dimension:s key:s subkey:s interactions:i views:i likes:i comments:i shares:i clicks:i users:i customers:i"
	var sums [][]any
	for _, r := range rowsOf(t, ref) {
		if r["dimension"] == DimFollowers || r["interactions"].(int64) == 0 {
			continue
		}
		p := r["period"].(string)
		m := (int(p[0]-'0')*1000+int(p[1]-'0')*100+int(p[2]-'0')*10+int(p[3]-'0'))*12 + int(p[5]-'0')*10 + int(p[6]-'0') - 1
		sub := r["subkey"]
		if sub == nil {
			sub = ""
		}
		v := []any{m, r["dimension"], r["key"], sub}
		for _, c := range []string{"interactions", "views", "likes", "comments", "shares", "clicks", "users", "customers"} {
			v = append(v, int(r[c].(int64)))
		}
		sums = append(sums, v)
	}
	// Followers by hand: February w1 (C1, bought 2024-02-03: converted) and
	// o3 (no customer); March o1 (C1, bought 2024-03-05: converted) and o2
	// (C2, no purchase), o3 unfollowed.
	const feb, mar = 2024*12 + 1, 2024*12 + 2
	follows := []arrow.RecordBatch{batch(t, "month:i platform:s new_followers:i linked_new_followers:i converted_followers:i unfollowed:i linked_unfollowed:i",
		[]any{feb, "weibo", 1, 1, 1, 0, 0},
		[]any{feb, "wechat", 1, 0, 0, 0, 0},
		[]any{mar, "wechat", 2, 2, 1, 0, 0},
		[]any{mar, "wechat", 0, 0, 0, 1, 0},
	)}
	counts := []arrow.RecordBatch{batch(t, sumSpec, sums...)}
	defer releaseAll(follows, counts)
	got, err := SocialEngagementFromCounts(counts, follows, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(got)
	if a, b := rowStrings(t, got), rowStrings(t, ref); !slices.Equal(a, b) {
		t.Errorf("from counts:\n%v\nreference:\n%v", a, b)
	}
	r := rowsOf(t, got)
	row := func(period, dim, key string, kv ...any) row {
		return pick(t, r, append([]any{"period", period, "dimension", dim, "key", key}, kv...)...)
	}
	// February has no interaction: a total row of zeros all the same.
	want(t, row("2024-02", DimTotal, "all"), "interactions", 0, "users", 0, "share", nil)
	// March: 7 interactions by 5 accounts of 3 customers; East (C1 and C3) has 5: beauty 2 (o1) and tea
	// 3 (o1, w1, o4); beauty is 3 of 7 overall, so East's affinity for it
	// is 100 × (2/5) / (3/7) = 93.33…, ranked after tea.
	want(t, row("2024-03", DimTotal, "all"), "interactions", 7, "users", 5, "customers", 3)
	want(t, row("2024-03", DimRegionCategory, "East", "subkey", "beauty"), "interactions", 2, "rank", 2,
		"share", 2.0/5, "overall_share", 3.0/7, "affinity_index", 100*(2.0/5)/(3.0/7))
	want(t, row("2024-03", DimRegionCategory, "East", "subkey", "tea"), "interactions", 3, "rank", 1, "customers", 2)
	// Followers: 2 at the end of February (1 linked), 3 at the end of
	// March (o3 unfollowed), wechat 2 of them.
	want(t, row("2024-02", DimFollowers, "all"), "followers", 2, "linked_followers", 1, "new_followers", 2, "converted_followers", 1, "conversion_rate", 0.5)
	want(t, row("2024-03", DimFollowers, "all"), "followers", 3, "linked_followers", 3, "new_followers", 2, "converted_followers", 1)
	want(t, row("2024-03", DimFollowers, "wechat"), "followers", 2, "linked_followers", 2, "conversion_rate", 0.5)

	// A month after the as-of month is refused.
	late := []arrow.RecordBatch{batch(t, sumSpec, []any{mar + 1, DimTotal, "all", "", 1, 1, 0, 0, 0, 0, 1, 1})}
	defer releaseAll(late)
	if _, err := SocialEngagementFromCounts(late, nil, opt); !errors.Is(err, ErrBadColumn) {
		t.Errorf("a month after the as-of month: %v, want ErrBadColumn", err)
	}
}
