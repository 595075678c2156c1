package lifecycle

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// synthetic builds n customers and about 10 events per customer in random
// order over three years before asOf, in batches of batchRows rows: 3 orders
// (5% anonymous), 5 interactions, 1.5 contacts and 0.5 follows per customer.
func synthetic(b *testing.B, n int, asOf time.Time) Inputs {
	const batchRows = 1 << 16
	r := rand.New(rand.NewPCG(1, 2))
	end := asOf.AddDate(0, 0, 1).UnixMicro()
	span := int64(3*365*24*3600) * 1e6
	randTS := func() arrow.Timestamp { return arrow.Timestamp(end - 1 - r.Int64N(span)) }
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "C" + strconv.Itoa(10_000_000+i)
	}
	chans := []string{"tmall", "jd", "shopify", "pos"}
	plats := []string{"wechat", "weibo"}
	actions := []string{"view", "view", "like", "comment", "share", "click"}
	var in Inputs
	mk := func(fields []arrow.Field, rows int, fill func(bs []array.Builder)) []arrow.RecordBatch {
		s := arrow.NewSchema(fields, nil)
		var out []arrow.RecordBatch
		for done := 0; done < rows; done += batchRows {
			rb := array.NewRecordBuilder(memory.DefaultAllocator, s)
			for range min(batchRows, rows-done) {
				fill(rb.Fields())
			}
			out = append(out, rb.NewRecordBatch())
			rb.Release()
		}
		return out
	}
	str := func(bd array.Builder, s string) { bd.(*array.StringBuilder).Append(s) }
	tsb := func(bd array.Builder, v arrow.Timestamp) { bd.(*array.TimestampBuilder).Append(v) }
	in.Orders = mk([]arrow.Field{field("customer_id", arrow.BinaryTypes.String), field("order_ts", tsType), field("channel", arrow.BinaryTypes.String)}, 3*n, func(bs []array.Builder) {
		if r.IntN(20) == 0 {
			bs[0].AppendNull()
		} else {
			str(bs[0], ids[r.IntN(n)])
		}
		tsb(bs[1], randTS())
		str(bs[2], chans[r.IntN(len(chans))])
	})
	in.Interactions = mk([]arrow.Field{field("customer_id", arrow.BinaryTypes.String), field("ts", tsType), field("action", arrow.BinaryTypes.String), field("channel", arrow.BinaryTypes.String)}, 5*n, func(bs []array.Builder) {
		str(bs[0], ids[r.IntN(n)])
		tsb(bs[1], randTS())
		str(bs[2], actions[r.IntN(len(actions))])
		str(bs[3], plats[r.IntN(2)])
	})
	in.Contacts = mk([]arrow.Field{field("customer_id", arrow.BinaryTypes.String), field("contacted_ts", tsType), field("channel", arrow.BinaryTypes.String)}, 3*n/2, func(bs []array.Builder) {
		str(bs[0], ids[r.IntN(n)])
		tsb(bs[1], randTS())
		str(bs[2], "sms")
	})
	in.Follows = mk([]arrow.Field{field("customer_id", arrow.BinaryTypes.String), field("followed_ts", tsType), field("unfollowed_ts", tsType), field("channel", arrow.BinaryTypes.String)}, n/2, func(bs []array.Builder) {
		str(bs[0], ids[r.IntN(n)])
		f := randTS()
		tsb(bs[1], f)
		if r.IntN(3) == 0 {
			tsb(bs[2], f+arrow.Timestamp(r.Int64N(span)))
		} else {
			bs[2].AppendNull()
		}
		str(bs[3], plats[r.IntN(2)])
	})
	return in
}

// BenchmarkCompute1M: 1M customers, 10M events (3M orders, 5M
// interactions, 1.5M contacts, 0.5M follows), shuffled, Asia/Shanghai.
func BenchmarkCompute1M(b *testing.B) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	asOf := time.Date(2024, 6, 30, 0, 0, 0, 0, loc)
	in := synthetic(b, 1_000_000, asOf)
	p := DefaultParams()
	p.Location = loc
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Compute(in, asOf, PrevMonth(asOf), p)
		if err != nil {
			b.Fatal(err)
		}
		st := res.StageRecord(nil)
		b.ReportMetric(float64(res.Events), "events")
		b.ReportMetric(float64(len(res.Customers)), "staged")
		st.Release()
	}
}
