package metrics

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestCampaignEffect: as of 2024-03-31, 30-day window.
//
// K1 (start 2024-03-01, spend 1000), everyone contacted 2024-03-01 10:00,
// so windows end 2024-03-31 10:00:
//
//	target T1..T6 (T6 is also listed as control: kept in target only), plus
//	one target contact that matches no customer;
//	control U1..U4.
//	T1 buys 100 on Mar 5; T2 buys 50 on Mar 10 and 30 on Mar 20; T3 bought
//	60 on Feb 20 (before contact); T4 buys 40 on Mar 31 11:00 (after the
//	window); U1 buys 20 on Mar 3; U2's order on Mar 4 is cancelled.
//
// Target: 2 buyers of 6, rate 1/3, revenue 180, 30 per customer
// (values 100, 80, 0, 0, 0, 0: sample variance (70² + 50² + 4·30²)/5 = 2200).
// Control: 1 of 4, rate 1/4, revenue 20, 5 per customer (values 20, 0, 0,
// 0: variance (15² + 3·5²)/3 = 100).
// uplift = 1/3 - 1/4 = 1/12 = 0.0833333. Interval (Newcombe, from the
// Wilson intervals, z = 1.959964, z² = 3.841459):
//
//	target 2/6: d = 1 + z²/6 = 1.640243; centre (1/3 + z²/12)/d = 0.398393;
//	  half z/d·sqrt((1/3)(2/3)/6 + z²/144) = 1.194923·0.252417 = 0.301621;
//	  → [0.096771, 0.700007]
//	control 1/4: d = 1 + z²/4 = 1.960365; centre (1/4 + z²/8)/d = 0.372474;
//	  half z/d·sqrt((1/4)(3/4)/4 + z²/64) = 0.999793·0.326953 = 0.326886;
//	  → [0.045587, 0.699358]
//	low  = 1/12 - sqrt((1/3 - 0.096771)² + (0.699358 - 1/4)²) = 1/12 - 0.507824 = -0.424490
//	high = 1/12 + sqrt((0.700007 - 1/3)² + (1/4 - 0.045587)²) = 1/12 + 0.419802 = 0.503136
//
// revenue uplift = 30 - 5 = 25; se = sqrt(2200/6 + 100/4) = 19.7905701;
// 95%: [-13.7888047, 63.7888047].
// incremental buyers = 6/12 = 0.5 → cost per incremental buyer 1000/0.5 =
// 2000; incremental revenue = 25·6 = 150.
//
// K2 (start 2024-03-10, spend 500) has no control group: T7, T8 contacted
// 2024-03-15 09:00; T7 buys 45 on Mar 20. Rate 1/2, revenue 45; no uplift;
// the window (to Apr 14) is still open.
// K3 starts after the as-of date and has no contacts: no row.
func TestCampaignEffect(t *testing.T) {
	campaigns := []arrow.RecordBatch{batch(t, "campaign_id:s campaign_name:s channel:s start_date:d end_date:d spend:f",
		[]any{"K1", "Spring tea", "sms", "2024-03-01", "2024-03-07", 1000},
		[]any{"K2", "WeChat push", "wechat", "2024-03-10", "2024-03-15", 500},
		[]any{"K3", "Summer", "sms", "2024-05-01", "2024-05-07", 800},
	)}
	const cspec = "campaign_id:s identifier_type:s identifier:s contact_group:s contacted_ts:t customer_id:s"
	var contactRows [][]any
	for _, c := range []string{"T1", "T2", "T3", "T4", "T5", "T6"} {
		contactRows = append(contactRows, []any{"K1", "phone", "p-" + c, "target", "2024-03-01 10:00", c})
	}
	contactRows = append(contactRows, []any{"K1", "phone", "p-unknown", "target", "2024-03-01 10:00", nil})
	for _, c := range []string{"U1", "U2", "U3", "U4", "T6"} {
		contactRows = append(contactRows, []any{"K1", "phone", "p-" + c, "control", "2024-03-01 10:00", c})
	}
	contactRows = append(contactRows,
		[]any{"K2", "openid", "o-T7", "target", "2024-03-15 09:00", "T7"},
		[]any{"K2", "openid", "o-T8", "Target", "2024-03-15 09:00", "T8"},
		[]any{"K2", "openid", "o-T9", "target", "2024-04-02 09:00", "T9"}, // after the as-of date
	)
	contacts := []arrow.RecordBatch{batch(t, cspec, contactRows...)}
	orders := []arrow.RecordBatch{batch(t, orderSpec,
		[]any{"tmall", "1", "2024-03-05 10:00", "T1", nil, nil, "paid", 100},
		[]any{"tmall", "2", "2024-03-10 10:00", "T2", nil, nil, "paid", 50},
		[]any{"jd", "3", "2024-03-20 10:00", "T2", nil, nil, "paid", 30},
		[]any{"jd", "4", "2024-02-20 10:00", "T3", nil, nil, "paid", 60},
		[]any{"pos", "5", "2024-03-31 11:00", "T4", "S1", nil, "paid", 40},
		[]any{"pos", "6", "2024-03-03 10:00", "U1", "S1", nil, "paid", 20},
		[]any{"pos", "7", "2024-03-04 10:00", "U2", "S1", nil, "cancelled", 20},
		[]any{"shopify", "8", "2024-03-20 10:00", "T7", nil, nil, "paid", 45},
	)}
	defer releaseAll(campaigns, contacts, orders)
	recs, st, err := CampaignEffect(campaigns, contacts, orders, CampaignOptions{Common: Common{AsOf: asOf("2024-03-31"), Location: shanghai}, WindowDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer release(recs)
	if !recs[0].Schema().Equal(CampaignSchema) {
		t.Fatalf("schema %s", recs[0].Schema())
	}
	rows := rowsOf(t, recs)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2 (K1, K2)", len(rows))
	}
	want(t, pick(t, rows, "campaign_id", "K1"), "period", "2024-03", "campaign_name", "Spring tea", "start_date", "2024-03-01",
		"end_date", "2024-03-07", "spend", 1000.0, "window_days", 30,
		"target_customers", 6, "control_customers", 4, "target_buyers", 2, "control_buyers", 1,
		"target_rate", 1.0/3, "control_rate", 0.25, "uplift", 1.0/12, "uplift_low", -0.4244897625236133, "uplift_high", 0.5031355661338022,
		"target_revenue", 180.0, "control_revenue", 20.0, "revenue_per_target", 30.0, "revenue_per_control", 5.0,
		"revenue_uplift", 25.0, "revenue_uplift_low", -13.7888047178375, "revenue_uplift_high", 63.7888047178375,
		"incremental_buyers", 0.5, "incremental_revenue", 150.0, "cost_per_incremental_buyer", 2000.0,
		"unresolved_contacts", 1, "in_both_groups", 1, "window_complete", true, "note", nil)
	want(t, pick(t, rows, "campaign_id", "K2"), "period", "2024-03", "target_customers", 2, "control_customers", 0,
		"target_buyers", 1, "target_rate", 0.5, "control_rate", nil, "target_revenue", 45.0, "revenue_per_target", 22.5,
		"uplift", nil, "uplift_low", nil, "revenue_uplift", nil, "incremental_buyers", nil, "cost_per_incremental_buyer", nil,
		"window_complete", false,
		"note", "no control group in campaign_contacts: uplift not estimated; conversion window still open at the as-of date")
	if st.Contacts != 15 || st.UnresolvedContacts != 1 || st.LaterContacts != 1 || st.Campaigns != 2 || st.WithoutControl != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestDiffProportionsAndMeans(t *testing.T) {
	// 30/100 vs 20/100: diff 0.1. Wilson: 30/100 → [0.218949, 0.395849],
	// 20/100 → [0.133367, 0.288829]; low = 0.1 - sqrt(0.081051² +
	// 0.088829²) = 0.1 - 0.120249 = -0.020249; high = 0.1 +
	// sqrt(0.095849² + 0.066633²) = 0.1 + 0.116734 = 0.216734.
	d, lo, hi := diffProportions(30, 100, 20, 100)
	if math.Abs(d-0.1) > 1e-12 || math.Abs(lo+0.020249) > 1e-6 || math.Abs(hi-0.216734) > 1e-6 {
		t.Errorf("diffProportions: %v [%v, %v]", d, lo, hi)
	}
	// Wilson interval of 0/10: [0, z²/(n + z²)] = [0, 3.841459/13.841459] = [0, 0.277533].
	if lo, hi := wilson(0, 10); math.Abs(lo) > 1e-12 || math.Abs(hi-0.277533) > 1e-6 {
		t.Errorf("wilson(0, 10) = [%v, %v]", lo, hi)
	}
	if d, _, _ := diffProportions(1, 2, 0, 0); !math.IsNaN(d) {
		t.Error("empty control should give NaN")
	}
	// values 1, 2, 3 (mean 2, var 1) vs 0, 0 (mean 0, var 0): diff 2,
	// se = sqrt(1/3) → 2 ∓ 1.1315857.
	var a, b meanVar
	for _, x := range []float64{1, 2, 3} {
		a.add(x)
	}
	b.add(0)
	b.add(0)
	d, lo, hi = diffMeans(a, b)
	if d != 2 || math.Abs(lo-0.8684143) > 1e-6 || math.Abs(hi-3.1315857) > 1e-6 {
		t.Errorf("diffMeans: %v [%v, %v]", d, lo, hi)
	}
}
