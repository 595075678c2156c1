package metrics

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestSocialInteractionsInChunks: the interactions of TestSocialEngagement
// read one row per batch without customer_id, their accounts linked to
// customers afterwards, give the mart of reading them all at once with
// customer_id, and the hand-worked March figures.
func TestSocialInteractionsInChunks(t *testing.T) {
	opt := SocialOptions{Common: Common{AsOf: asOf("2024-03-31"), Location: shanghai}, ConversionDays: 7}
	accounts := []arrow.RecordBatch{batch(t, "platform:s openid:s followed_ts:t unfollowed_ts:t customer_id:s",
		[]any{"wechat", "o1", "2024-03-01 10:00", nil, "C1"},
		[]any{"wechat", "o2", "2024-03-10 10:00", nil, "C2"},
		[]any{"wechat", "o3", "2024-02-15 10:00", "2024-03-10 10:00", nil},
		[]any{"weibo", "w1", "2024-02-01 10:00", nil, "C1"},
	)}
	// platform, openid, ts, action, category, customer
	rows := [][]any{
		{"wechat", "o1", "2024-03-02 10:00", "view", "beauty", "C1"},
		{"wechat", "o2", "2024-03-11 10:00", "view", "tea", "C2"},
		{"wechat", "o1", "2024-03-02 10:05", "like", "beauty", "C1"},
		{"wechat", "o3", "2024-03-03 10:00", "view", "beauty", nil},
		{"wechat", "o2", "2024-03-12 10:00", "view", "tea", "C2"},
		{"wechat", "o1", "2024-03-04 10:00", "share", "tea", "C1"},
		{"wechat", "o2", "2024-03-13 10:00", "click", "beauty", "C2"},
		{"weibo", "w1", "2024-03-05 10:00", "comment", "tea", "C1"},
		{"wechat", "o4", "2024-03-06 10:00", "view", "tea", "C3"},
		{"wechat", "o1", "2024-02-20 10:00", "view", "tea", "C1"},
		{"wechat", "o1", "2024-04-02 10:00", "view", "tea", "C1"},
		{"wechat", "", "2024-03-06 11:00", "view", "tea", nil},
		{"wechat", "o5", nil, "view", "tea", "C5"},
	}
	const withCust = "platform:s openid:s ts:t action:s content_category:s customer_id:s"
	whole := []arrow.RecordBatch{batch(t, withCust, rows...)}
	var chunks []arrow.RecordBatch
	for _, r := range rows {
		chunks = append(chunks, batch(t, "platform:s openid:s ts:t action:s content_category:s", r[:5]))
	}
	// o1's first link row wins over its second; zz has no interaction;
	// o5's interaction has no time, so o5 is no account of the mart.
	links := batch(t, "platform:s openid:s customer_id:s",
		[]any{"wechat", "o1", "C1"}, []any{"wechat", "o1", "C9"}, []any{"wechat", "o2", "C2"}, []any{"weibo", "w1", "C1"},
		[]any{"wechat", "o4", "C3"}, []any{"wechat", "zz", "C7"}, []any{"wechat", "o5", "C5"}, []any{"wechat", "o3", nil})
	customers := []arrow.RecordBatch{batch(t, "customer_id:s region:s", []any{"C1", "East"}, []any{"C2", "North"}, []any{"C3", nil})}
	tiers := []arrow.RecordBatch{batch(t, "customer_id:s tier:s", []any{"C1", "high"}, []any{"C2", "dormant"})}
	orders := []arrow.RecordBatch{batch(t, orderSpec,
		[]any{"tmall", "1", "2024-02-03 10:00", "C1", nil, nil, "paid", 30},
		[]any{"tmall", "2", "2024-03-05 10:00", "C1", nil, nil, "paid", 50},
	)}
	defer releaseAll(accounts, whole, chunks, []arrow.RecordBatch{links}, customers, tiers, orders)

	ref, refSt, err := SocialEngagement(whole, accounts, customers, tiers, nil, orders, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(ref)
	x, err := NewSocialInteractions(opt.Common)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		if err := x.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Link(links); err != nil {
		t.Fatal(err)
	}
	got, st, err := SocialEngagementOf(x, accounts, customers, tiers, nil, orders, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer release(got)
	if st != refSt {
		t.Errorf("stats in chunks %+v, at once %+v", st, refSt)
	}
	// 13 rows: one after the as-of day, one without a time.
	if st.Interactions != 13 || st.LaterInteractions != 2 || st.UnlinkedInteractions != 1 {
		t.Errorf("stats %+v, want 13 interactions, 2 later, 1 unlinked", st)
	}
	if a, b := rowStrings(t, got), rowStrings(t, ref); !slices.Equal(a, b) {
		t.Errorf("in chunks:\n%v\nat once:\n%v", a, b)
	}
	r := rowsOf(t, got)
	mar := func(dim, key string) row { return pick(t, r, "period", "2024-03", "dimension", dim, "key", key) }
	// March: 9 interactions of accounts o1, o2, o3, w1, o4 (the row
	// without an openid counts in no row); customers C1, C2, C3.
	want(t, mar(DimTotal, "all"), "interactions", 9, "users", 5, "customers", 3)
	// high = C1: o1 ×3 and w1 = 4 in 2 accounts; dormant = C2: 3.
	want(t, mar(DimRFMTier, "high"), "interactions", 4, "users", 2, "customers", 1)
	want(t, mar(DimRFMTier, "dormant"), "interactions", 3, "users", 1, "customers", 1)
	want(t, mar(DimRFMTier, Unknown), "interactions", 2, "users", 2, "customers", 1)

	if _, _, err := SocialEngagementOf(x, accounts, customers, tiers, nil, orders, opt); !errors.Is(err, ErrBadOptions) {
		t.Errorf("second use: %v, want ErrBadOptions", err)
	}
}

// TestSocialInteractionsOtherDate: interactions read for one as-of date
// are refused for another.
func TestSocialInteractionsOtherDate(t *testing.T) {
	x, err := NewSocialInteractions(Common{AsOf: asOf("2024-03-30"), Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = SocialEngagementOf(x, nil, nil, nil, nil, nil, SocialOptions{Common: Common{AsOf: asOf("2024-03-31"), Location: shanghai}})
	if !errors.Is(err, ErrBadOptions) {
		t.Errorf("got %v, want ErrBadOptions", err)
	}
}

// rowStrings prints each row (map keys in order) and sorts the lines.
func rowStrings(t testing.TB, recs []arrow.RecordBatch) []string {
	t.Helper()
	var out []string
	for _, r := range rowsOf(t, recs) {
		out = append(out, fmt.Sprint(map[string]any(r)))
	}
	slices.Sort(out)
	return out
}
