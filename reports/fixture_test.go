package reports

import (
	"log/slog"
	"math"
	"time"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testScorecard is a fixed strategy scorecard with Chinese names, an HTML
// injection attempt in a store name and a formula-injection attempt in a
// customer name.
func testScorecard() *Scorecard {
	sh := time.FixedZone("CST", 8*3600)
	return &Scorecard{
		Layer:       LayerStrategy,
		Title:       "Strategy scorecard 战略看板",
		Period:      "2025-12",
		PrevPeriod:  "2025-11",
		YoYPeriod:   "2024-12",
		AsOf:        time.Date(2025, 12, 31, 0, 0, 0, 0, sh),
		GeneratedAt: time.Date(2026, 1, 1, 6, 30, 0, 0, sh),
		Filter:      map[string]string{"region": "华东"},
		Freshness: []SourceFreshness{
			{Source: "tmall_orders", Newest: time.Date(2025, 12, 31, 23, 58, 0, 0, sh), Rows: 1204332, Quarantined: 17},
			{Source: "pos_receipts", Newest: time.Date(2025, 12, 30, 21, 4, 0, 0, sh), Rows: 884120, Quarantined: 0},
			{Source: "wechat_fans", Rows: 0},
		},
		Definitions: []Definition{
			{Term: "Net revenue", Meaning: "Paid amount minus refunds, all channels."},
			{Term: "Repeat customer", Meaning: "Bought on two or more distinct days in the period."},
		},
		KPIs: []KPI{
			{Key: "net_revenue", Label: "Net revenue 净销售额", Value: 1234567.89, Prev: 1100000, HasPrev: true, YoY: 1000000, HasYoY: true, Unit: UnitMoney, Better: BetterUp},
			{Key: "active_customers", Label: "Active customers", Value: 40210, Prev: 41877, HasPrev: true, NoYoY: M("yoy.nodata", "2024-12"), Unit: UnitCount, Better: BetterUp},
			{Key: "repeat_rate", Label: "Repeat rate", Value: 0.312, Prev: 0.287, HasPrev: true, YoY: 0.3, HasYoY: true, Unit: UnitPct, Better: BetterUp},
			{Key: "resolution_days", Label: "Resolution time", Value: 2.4, Prev: 3.1, HasPrev: true, Unit: UnitDays, Better: BetterDown},
			{Key: "total_clv", Label: "Total CLV", Value: 98765432.1, Unit: UnitMoney, Better: BetterUp},
			{Key: "complaints", Label: "Complaints per 1,000 orders", Value: 1.27, Prev: 0, HasPrev: true, Unit: UnitRatio, Better: BetterDown},
		},
		Sections: []Section{
			{
				Name: "Revenue 销售",
				Note: "Net sales by channel; e-commerce and stores.",
				Tables: []Table{{
					Title:   "By store",
					Columns: []Column{{Name: "Store 门店", Unit: UnitText}, {Name: "Region", Unit: UnitText}, {Name: "Net revenue", Unit: UnitMoney}, {Name: "Orders", Unit: UnitCount}, {Name: "Share", Unit: UnitPct}, {Name: "Opened", Unit: UnitDate}},
					Rows: [][]any{
						{"上海南京西路店", "华东", 523456.7, int64(4021), 0.424, time.Date(2019, 5, 1, 0, 0, 0, 0, sh)},
						{"<script>alert(1)</script>", "华东", 100000.0, int64(800), 0.081, time.Date(2021, 3, 15, 0, 0, 0, 0, sh)},
						{"杭州西湖店", "华东", 611111.19, 5120, 0.495, nil},
					},
				}, {
					Title:   "Top customers",
					Columns: []Column{{Name: "Customer", Unit: UnitText}, {Name: "Phone", Unit: UnitText}, {Name: "CLV", Unit: UnitMoney}},
					Rows: [][]any{
						{"=1+1", "+8613800000000", 8123.5},
						{"王小明", "-", math.NaN()},
					},
				}},
				Charts: []Chart{{
					ID: "revenue", Title: "Net revenue by month and channel", Kind: ChartStackedBar, Unit: UnitMoney,
					Labels: []string{"2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"},
					Series: []Series{
						{Name: "tmall", Values: []float64{300000, 320000, 310000, 350000, 400000, 450000}},
						{Name: "pos 门店", Values: []float64{500000, 480000, 520000, 530000, 560000, 600000}},
					},
				}, {
					ID: "stores", Title: "Net revenue by store", Kind: ChartBar, Unit: UnitMoney,
					Labels: []string{"上海南京西路店", "杭州西湖店", "<script>alert(1)</script>"},
					Series: []Series{{Name: "2025-12", Values: []float64{523456.7, 611111.19, 100000}}},
				}},
			},
			{
				Name: "Lifecycle 生命周期",
				Tables: []Table{{
					Columns: []Column{{Name: "Stage"}, {Name: "Customers", Unit: UnitCount}, {Name: "Flow rate", Unit: UnitPct}},
					Rows: [][]any{
						{"Aware 认知", int64(120000), 0.05},
						{"Interested 兴趣", int64(45000), 0.12},
						{"Purchased 购买", int64(21000), 0.31},
						{"Loyal 忠诚", int64(8000), nil},
					},
				}},
				Charts: []Chart{{
					ID: "funnel", Title: "AIPL funnel", Kind: ChartFunnel, Unit: UnitCount,
					Labels: []string{"Aware 认知", "Interested 兴趣", "Purchased 购买", "Loyal 忠诚"},
					Series: []Series{{Name: "customers", Values: []float64{120000, 45000, 21000, 8000}}},
				}, {
					ID: "retention", Title: "Cohort retention", Kind: ChartLine, Unit: UnitPct,
					Labels: []string{"M0", "M1", "M2", "M3", "M4", "M5"},
					Series: []Series{
						{Name: "2025-06", Values: []float64{1, 0.32, 0.25, 0.22, 0.2, 0.19}},
						{Name: "2025-07", Values: []float64{1, 0.3, 0.24, 0.21, 0.2, math.NaN()}},
					},
				}, {
					ID: "mix", Title: "Channel mix", Kind: ChartPie, Unit: UnitPct,
					Labels: []string{"天猫 tmall", "京东 jd", "shopify", "门店 pos"},
					Series: []Series{{Name: "share", Values: []float64{0.35, 0.2, 0.05, 0.4}}},
				}},
			},
		},
	}
}
