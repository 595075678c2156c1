package identity

import (
	"cmp"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// EvidenceSchema is the evidence layout Stitch reads (every column but
// rec_table and rec_key may be missing).
var EvidenceSchema = arrow.NewSchema([]arrow.Field{
	utf8Field("rec_table", false),
	utf8Field("rec_key", false),
	{Name: "ts", Type: tsType, Nullable: true},
	utf8Field("source", true),
	utf8Field("channel", true),
	utf8Field(IDPhone, true),
	utf8Field(IDEmail, true),
	utf8Field(IDMemberCard, true),
	utf8Field(IDBuyerID, true),
	utf8Field(IDOpenID, true),
	utf8Field(IDUnionID, true),
	utf8Field(IDDeviceID, true),
	utf8Field("name", true),
	utf8Field("store_id", true),
	utf8Field("region", true),
}, nil)

// SynthOptions configures GenerateSynthetic.
type SynthOptions struct {
	Persons   int    // number of true persons
	Seed      uint64 // same seed, same data
	BatchRows int    // rows per evidence batch (default 1<<20)
	Truth     bool   // also return the truth labels
	Alloc     memory.Allocator
}

// Synthetic is generated evidence with known truth.
type Synthetic struct {
	Evidence []arrow.RecordBatch // EvidenceSchema, grouped by source, ts order within a source
	Truth    []LabeledID         // every genuine identifier of every person (raw spelling)
	// Junk lists the deliberate junk values (store landlines, placeholder
	// phone, test email, service number); they are not in Truth.
	Junk []string
	// Config is a stitching configuration suited to the data (blocklist
	// with the service number, a pattern for example.com emails).
	Config Config
}

// Release releases the evidence batches.
func (s *Synthetic) Release() {
	for _, b := range s.Evidence {
		b.Release()
	}
}

const (
	synStores     = 500
	synJunkPhone  = "13800138000"
	synJunkEmail  = "test@test.com"
	synService    = "400-820-8820"
	synStartMicro = int64(1672531200) * 1_000_000 // 2023-01-01
	synSpanMicro  = int64(3*365*86400) * 1_000_000
)

var synProvinces = []string{"上海", "北京", "广东", "浙江", "江苏", "四川", "湖北", "山东", "福建", "河南"}
var synSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡"}
var synGiven = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平"}

// record kinds
const (
	kPOS uint8 = iota
	kTmall
	kJD
	kShopify
	kWechatAccount
	kWechatAction
	kApp
	kService
	numKinds
)

var synSources = [numKinds]struct{ table, source, channel string }{
	kPOS:           {"orders", "pos_receipts", "pos"},
	kTmall:         {"orders", "tmall_orders", "tmall"},
	kJD:            {"orders", "jd_orders", "jd"},
	kShopify:       {"orders", "shopify_orders", "shopify"},
	kWechatAccount: {"social_accounts", "wechat_fans", "wechat"},
	kWechatAction:  {"social_interactions", "wechat_actions", "wechat"},
	kApp:           {"app_events", "brand_app", "app"},
	kService:       {"service_tickets", "service_desk", "service"},
}

type synEvent struct {
	ts     int64
	person int32
	seq    uint16
	kind   uint8
}

type synBuilder struct {
	rb   *array.RecordBuilder
	cols [15]*array.StringBuilder
	ts   *array.TimestampBuilder
	out  []arrow.RecordBatch
	n    int
}

func newSynBuilder(mem memory.Allocator) *synBuilder {
	b := &synBuilder{rb: array.NewRecordBuilder(mem, EvidenceSchema)}
	for i := range EvidenceSchema.Fields() {
		if i == 2 {
			b.ts = b.rb.Field(i).(*array.TimestampBuilder)
			continue
		}
		b.cols[i] = b.rb.Field(i).(*array.StringBuilder)
	}
	return b
}

func (b *synBuilder) flush() {
	if b.n > 0 {
		b.out = append(b.out, b.rb.NewRecordBatch())
		b.n = 0
	}
}

// column indexes in EvidenceSchema
const (
	cTable = iota
	cKey
	cTS
	cSource
	cChannel
	cPhone
	cEmail
	cCard
	cBuyer
	cOpenID
	cUnionID
	cDevice
	cName
	cStore
	cRegion
)

// GenerateSynthetic generates evidence for opts.Persons people across POS,
// Tmall, JD, Shopify, WeChat, a brand app and a service desk, about eleven
// records and four identifiers per person, with the noise real exports
// have: phones in many spellings, emails in mixed case with spaces, invalid
// values (short phones, letters), anonymous receipts, households sharing a
// phone (1 in 1000), people whose WeChat is never linked to anything else
// (3 in 1000 of WeChat users), and deliberate junk: store landlines typed on
// 3% of member receipts, the placeholder mobile 13800138000 on 0.3% of
// marketplace orders, test@test.com on Shopify orders, the 400 service
// number on service tickets. Deterministic for a seed.
func GenerateSynthetic(opts SynthOptions) *Synthetic {
	mem := opts.Alloc
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	batchRows := opts.BatchRows
	if batchRows <= 0 {
		batchRows = 1 << 20
	}
	seed := opts.Seed
	out := &Synthetic{
		Junk: []string{synJunkPhone, synJunkEmail, synService},
		Config: Config{
			Blocklist:     []string{"phone:+86 400 820 8820"},
			BlockPatterns: []string{`email:@example\.(com|org)$`},
			// orders are the purchases of the velocity rules
			PurchaseTables: []string{"orders"},
		},
	}
	for st := 0; st < synStores; st++ {
		out.Junk = append(out.Junk, storePhone(st))
	}
	// events
	total := 0
	for i := 0; i < opts.Persons; i++ {
		p := synProfile(seed, i)
		for _, c := range p.counts {
			total += c
		}
	}
	events := make([]synEvent, 0, total)
	for i := 0; i < opts.Persons; i++ {
		p := synProfile(seed, i)
		r := synRand(seed, i, 1)
		for k := uint8(0); k < numKinds; k++ {
			// seq numbers a person's records of a kind in time order
			start := len(events)
			for s := 0; s < p.counts[k]; s++ {
				ts := synStartMicro + r.Int64N(synSpanMicro)
				events = append(events, synEvent{ts: ts, person: int32(i), kind: k})
			}
			mine := events[start:]
			slices.SortFunc(mine, func(a, b synEvent) int { return cmp.Compare(a.ts, b.ts) })
			for s := range mine {
				mine[s].seq = uint16(s)
			}
		}
		if opts.Truth {
			out.Truth = append(out.Truth, synTruth(&p)...)
		}
	}
	// each source in ts order
	slices.SortFunc(events, func(a, b synEvent) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.ts, b.ts), cmp.Compare(a.person, b.person))
	})
	builders := make([]*synBuilder, numKinds)
	for k := range builders {
		builders[k] = newSynBuilder(mem)
	}
	keyCounter := make([]int, numKinds)
	var buf []byte
	for _, ev := range events {
		p := synProfile(seed, int(ev.person))
		r := synRand(seed, int(ev.person), 2+uint64(ev.kind)<<16|uint64(ev.seq))
		b := builders[ev.kind]
		keyCounter[ev.kind]++
		buf = synRow(b, &p, ev.kind, int(ev.seq), ev.ts, keyCounter[ev.kind], r, buf)
		if b.n >= batchRows {
			b.flush()
		}
	}
	for _, b := range builders {
		b.flush()
		out.Evidence = append(out.Evidence, b.out...)
		b.rb.Release()
	}
	return out
}
