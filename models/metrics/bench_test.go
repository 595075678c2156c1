package metrics

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Benchmark data: 1M customers, 4M orders, about 10M order lines over three
// years, 5,000 SKUs (2% without a cost), 300 stores in 30 regions, 50
// campaigns with 2M contacts, 1M social accounts with 5M interactions.
const (
	benchCustomers = 1_000_000
	benchOrders    = 4_000_000
	benchSKUs      = 5000
	benchStores    = 300
)

type benchSet struct {
	lines, orders, products, stores, customers  []arrow.RecordBatch
	campaigns, contacts, accounts, interactions []arrow.RecordBatch
	nLines                                      int
}

var (
	benchOnce sync.Once
	bench     benchSet
)

var benchAsOf = time.Date(2024, 12, 31, 0, 0, 0, 0, shanghai)

func benchData(b *testing.B) *benchSet {
	if testing.Short() {
		b.Skip("large benchmark data in -short mode")
	}
	benchOnce.Do(func() { bench = makeBenchData() })
	return &bench
}

func makeBenchData() benchSet {
	mem := memory.DefaultAllocator
	rng := rand.New(rand.NewPCG(1, 2))
	var s benchSet
	tsType := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	field := func(n string, t arrow.DataType) arrow.Field { return arrow.Field{Name: n, Type: t, Nullable: true} }
	regions := make([]string, 30)
	for i := range regions {
		regions[i] = fmt.Sprintf("region-%02d", i)
	}
	// customers
	{
		b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{field("customer_id", tString), field("region", tString)}, nil))
		for c := 0; c < benchCustomers; c++ {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("C%07d", c))
			b.Field(1).(*array.StringBuilder).Append(regions[c%30])
		}
		s.customers = []arrow.RecordBatch{b.NewRecordBatch()}
		b.Release()
	}
	{
		b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{field("sku", tString), field("category", tString), field("brand", tString), field("unit_cost", tFloat)}, nil))
		for p := 0; p < benchSKUs; p++ {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("SKU%05d", p))
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("cat-%02d", p%20))
			b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("brand-%03d", p%200))
			if p%50 == 0 {
				b.Field(3).AppendNull()
			} else {
				b.Field(3).(*array.Float64Builder).Append(float64(5 + p%40))
			}
		}
		s.products = []arrow.RecordBatch{b.NewRecordBatch()}
		b.Release()
	}
	{
		b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{field("store_id", tString), field("store_name", tString), field("region", tString)}, nil))
		for i := 0; i < benchStores; i++ {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("S%03d", i))
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("门店%03d", i))
			b.Field(2).(*array.StringBuilder).Append(regions[i%30])
		}
		s.stores = []arrow.RecordBatch{b.NewRecordBatch()}
		b.Release()
	}
	lineSchema := arrow.NewSchema([]arrow.Field{field("channel", tString), field("order_id", tString), field("order_ts", tsType),
		field("customer_id", tString), field("store_id", tString), field("status", tString), field("sku", tString),
		field("qty", tInt), field("paid_amount", tFloat), field("refund_amount", tFloat)}, nil)
	orderSchema := arrow.NewSchema([]arrow.Field{field("channel", tString), field("order_id", tString), field("order_ts", tsType),
		field("customer_id", tString), field("store_id", tString), field("associate_id", tString), field("status", tString),
		field("net_amount", tFloat)}, nil)
	channels := []string{"tmall", "jd", "shopify", "pos"}
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, shanghai).UnixMicro()
	span := benchAsOf.UnixMicro() - start
	// Line l of each order goes to stream l, so the lines of an order are
	// far apart, as after DuckDB's hash-partitioned dedup of order_lines.
	var lbs [4]*array.RecordBuilder
	var streams [4][]arrow.RecordBatch
	var streamRows [4]int
	for i := range lbs {
		lbs[i] = array.NewRecordBuilder(mem, lineSchema)
	}
	ob := array.NewRecordBuilder(mem, orderSchema)
	str := func(b *array.RecordBuilder, i int, v string) {
		if v == "" {
			b.Field(i).AppendNull()
		} else {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	for o := 0; o < benchOrders; o++ {
		ch := channels[rng.IntN(4)]
		oid := fmt.Sprintf("%s-%08d", ch[:2], o)
		ts := start + rng.Int64N(span)
		cust := fmt.Sprintf("C%07d", rng.IntN(benchCustomers))
		store, assoc := "", ""
		if ch == "pos" {
			st := rng.IntN(benchStores)
			store, assoc = fmt.Sprintf("S%03d", st), fmt.Sprintf("A%03d-%d", st, rng.IntN(5))
			if rng.IntN(10) == 0 {
				cust = ""
			}
		}
		status := "paid"
		if rng.IntN(100) == 0 {
			status = "cancelled"
		}
		nl := 1 + rng.IntN(4)
		net := 0.0
		for l := 0; l < nl; l++ {
			sku := fmt.Sprintf("SKU%05d", rng.IntN(benchSKUs+50)) // a few unknown SKUs
			qty := 1 + rng.IntN(3)
			paid := float64(qty) * float64(20+rng.IntN(80))
			refund := 0.0
			if rng.IntN(50) == 0 {
				refund = paid
			}
			net += paid - refund
			lb := lbs[l]
			str(lb, 0, ch)
			str(lb, 1, oid)
			lb.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(ts))
			str(lb, 3, cust)
			str(lb, 4, store)
			str(lb, 5, status)
			str(lb, 6, sku)
			lb.Field(7).(*array.Int64Builder).Append(int64(qty))
			lb.Field(8).(*array.Float64Builder).Append(paid)
			lb.Field(9).(*array.Float64Builder).Append(refund)
			s.nLines++
			streamRows[l]++
			if streamRows[l]%(1<<20) == 0 {
				streams[l] = append(streams[l], lb.NewRecordBatch())
			}
		}
		str(ob, 0, ch)
		str(ob, 1, oid)
		ob.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(ts))
		str(ob, 3, cust)
		str(ob, 4, store)
		str(ob, 5, assoc)
		str(ob, 6, status)
		ob.Field(7).(*array.Float64Builder).Append(net)
		if (o+1)%(1<<20) == 0 {
			s.orders = append(s.orders, ob.NewRecordBatch())
		}
	}
	for l := range lbs {
		streams[l] = append(streams[l], lbs[l].NewRecordBatch())
		lbs[l].Release()
		s.lines = append(s.lines, streams[l]...)
	}
	s.orders = append(s.orders, ob.NewRecordBatch())
	ob.Release()
	// campaigns and 2M contacts (a third of campaigns without control)
	{
		cb := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{field("campaign_id", tString), field("campaign_name", tString),
			field("channel", tString), field("start_date", tDate), field("end_date", tDate), field("spend", tFloat)}, nil))
		kb := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{field("campaign_id", tString), field("contact_group", tString),
			field("contacted_ts", tsType), field("customer_id", tString)}, nil))
		for k := 0; k < 50; k++ {
			id := fmt.Sprintf("K%02d", k)
			day := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, k*14)
			str(cb, 0, id)
			str(cb, 1, "campaign "+id)
			str(cb, 2, "sms")
			cb.Field(3).(*array.Date32Builder).Append(arrow.Date32FromTime(day))
			cb.Field(4).(*array.Date32Builder).Append(arrow.Date32FromTime(day.AddDate(0, 0, 7)))
			cb.Field(5).(*array.Float64Builder).Append(10000)
			contactTS := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, shanghai).UnixMicro()
			for i := 0; i < 40000; i++ {
				str(kb, 0, id)
				g := "target"
				if k%3 != 0 && i%5 == 0 {
					g = "control"
				}
				str(kb, 1, g)
				kb.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(contactTS))
				str(kb, 3, fmt.Sprintf("C%07d", rng.IntN(benchCustomers)))
			}
		}
		s.campaigns = []arrow.RecordBatch{cb.NewRecordBatch()}
		s.contacts = []arrow.RecordBatch{kb.NewRecordBatch()}
		cb.Release()
		kb.Release()
	}
	// 1M accounts (70% linked) and 5M interactions
	{
		ab := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{field("platform", tString), field("openid", tString),
			field("followed_ts", tsType), field("unfollowed_ts", tsType), field("customer_id", tString)}, nil))
		for a := 0; a < 1_000_000; a++ {
			str(ab, 0, "wechat")
			str(ab, 1, fmt.Sprintf("o%07d", a))
			f := start + rng.Int64N(span)
			ab.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(f))
			if rng.IntN(10) == 0 {
				ab.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(f + rng.Int64N(span/4)))
			} else {
				ab.Field(3).AppendNull()
			}
			if rng.IntN(10) < 7 {
				str(ab, 4, fmt.Sprintf("C%07d", a))
			} else {
				str(ab, 4, "")
			}
		}
		s.accounts = []arrow.RecordBatch{ab.NewRecordBatch()}
		ab.Release()
		ib := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{field("platform", tString), field("openid", tString),
			field("ts", tsType), field("action", tString), field("content_category", tString)}, nil))
		actions := []string{"view", "view", "view", "like", "comment", "share", "click"}
		for i := 0; i < 5_000_000; i++ {
			str(ib, 0, "wechat")
			str(ib, 1, fmt.Sprintf("o%07d", rng.IntN(1_000_000)))
			ib.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(start + rng.Int64N(span)))
			str(ib, 3, actions[rng.IntN(len(actions))])
			str(ib, 4, fmt.Sprintf("topic-%02d", rng.IntN(25)))
			if (i+1)%(1<<20) == 0 {
				s.interactions = append(s.interactions, ib.NewRecordBatch())
			}
		}
		s.interactions = append(s.interactions, ib.NewRecordBatch())
		ib.Release()
	}
	return s
}

func benchCommon() Common { return Common{AsOf: benchAsOf, Location: shanghai} }

// cpuSeconds is the user+system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// measure runs f b.N times and reports rows/s and CPU seconds per run
// (wall time is unreliable on a shared machine).
func measure(b *testing.B, rows int, f func()) {
	runtime.GC()
	b.ResetTimer()
	c0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		f()
	}
	cpu := (cpuSeconds() - c0) / float64(b.N)
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu, "cpu-s/op")
}

func BenchmarkProfit(b *testing.B) {
	s := benchData(b)
	measure(b, s.nLines, func() {
		recs, _, err := Profit(s.lines, s.products, ProfitOptions{benchCommon()})
		if err != nil {
			b.Fatal(err)
		}
		release(recs)
	})
}

func BenchmarkSales(b *testing.B) {
	s := benchData(b)
	measure(b, s.nLines, func() {
		recs, _, err := Sales(s.lines, s.products, s.stores, s.customers, SalesOptions{benchCommon()})
		if err != nil {
			b.Fatal(err)
		}
		release(recs)
	})
}

func BenchmarkGrowth(b *testing.B) {
	s := benchData(b)
	measure(b, benchOrders, func() {
		recs, _, err := Growth(s.orders, s.customers, s.stores, GrowthOptions{Common: benchCommon(), ChurnDays: 180})
		if err != nil {
			b.Fatal(err)
		}
		release(recs)
	})
}

func BenchmarkCampaignEffect(b *testing.B) {
	s := benchData(b)
	measure(b, benchOrders+2_000_000, func() {
		recs, _, err := CampaignEffect(s.campaigns, s.contacts, s.orders, CampaignOptions{Common: benchCommon(), WindowDays: 30})
		if err != nil {
			b.Fatal(err)
		}
		release(recs)
	})
}

func BenchmarkChannelCredit(b *testing.B) {
	s := benchData(b)
	measure(b, benchOrders, func() {
		recs, _, err := ChannelCredit(s.orders, s.stores, CreditOptions{Common: benchCommon(), WindowDays: 365})
		if err != nil {
			b.Fatal(err)
		}
		release(recs)
	})
}

func BenchmarkSocialEngagement(b *testing.B) {
	s := benchData(b)
	measure(b, 5_000_000+benchOrders, func() {
		recs, _, err := SocialEngagement(s.interactions, s.accounts, s.customers, nil, nil, s.orders, SocialOptions{Common: benchCommon(), ConversionDays: 30})
		if err != nil {
			b.Fatal(err)
		}
		release(recs)
	})
}

func BenchmarkGrowthContributions(b *testing.B) {
	d := benchData(b)
	opt := GrowthOptions{Common: Common{AsOf: benchAsOf, Location: shanghai}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		recs, c, _, err := GrowthContributions(d.orders, d.customers, d.stores, opt)
		if err != nil {
			b.Fatal(err)
		}
		release(recs)
		c.Release()
	}
}
