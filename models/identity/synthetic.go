package identity

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"

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

type synPerson struct {
	i                                         int
	phone                                     [11]byte
	sharePhoneOf                              int // household: uses this person's phone (-1: own)
	member, tmall, jd, shopify, wechat, union bool
	email                                     bool
	anonPOS                                   bool // last POS receipt is anonymous
	devices                                   int
	unlinked                                  bool // wechat never linked to the rest
	counts                                    [numKinds]int
	home                                      int
	surname, given                            int
}

func synRand(seed uint64, person int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed^uint64(person)*0x9E3779B97F4A7C15, stream+1))
}

func synProfile(seed uint64, i int) synPerson {
	r := synRand(seed, i, 0)
	p := synPerson{i: i, sharePhoneOf: -1}
	// unique mobile: prefix 13x..19x from i%70, 8-digit suffix i/70
	pre := 130 + i%70
	copy(p.phone[:3], strconv.Itoa(pre))
	suf := i / 70
	for k := 10; k >= 3; k-- {
		p.phone[k] = byte('0' + suf%10)
		suf /= 10
	}
	if i > 0 && r.IntN(1000) == 0 {
		p.sharePhoneOf = i - 1
	}
	p.member = r.IntN(100) < 50
	p.tmall = r.IntN(100) < 50
	p.jd = r.IntN(100) < 30
	p.shopify = r.IntN(100) < 10
	p.wechat = r.IntN(100) < 45
	p.union = p.wechat && r.IntN(100) < 85
	p.email = p.shopify || ((p.tmall || p.jd) && r.IntN(100) < 60)
	if r.IntN(100) < 30 {
		p.devices = 1 + r.IntN(3)
	}
	p.unlinked = p.wechat && r.IntN(1000) < 3
	if !p.member && !p.tmall && !p.jd && !p.shopify && !p.wechat {
		p.tmall = true
	}
	if p.member {
		p.counts[kPOS] = 1 + r.IntN(8)
	}
	if r.IntN(100) < 20 { // an anonymous walk-in receipt
		p.anonPOS = true
		p.counts[kPOS]++
	}
	if p.tmall {
		p.counts[kTmall] = 1 + r.IntN(8)
	}
	if p.jd {
		p.counts[kJD] = 1 + r.IntN(5)
	}
	if p.shopify {
		p.counts[kShopify] = 1 + r.IntN(5)
	}
	if p.wechat {
		p.counts[kWechatAccount] = 1
		p.counts[kWechatAction] = r.IntN(12)
	}
	if p.devices > 0 {
		p.counts[kApp] = p.devices + r.IntN(8)
	}
	if r.IntN(100) < 15 {
		p.counts[kService] = 1
	}
	p.home = (i * 7) % synStores
	p.surname = r.IntN(len(synSurnames))
	p.given = r.IntN(len(synGiven))
	return p
}

// spellPhone writes one of the common spellings of an 11-digit mobile.
func spellPhone(dst []byte, ph []byte, v int) []byte {
	switch v {
	case 0, 1, 2:
		return append(dst, ph...)
	case 3:
		dst = append(dst, "+86 "...)
		dst = append(dst, ph[:3]...)
		dst = append(dst, ' ')
		dst = append(dst, ph[3:7]...)
		dst = append(dst, ' ')
		return append(dst, ph[7:]...)
	case 4:
		dst = append(dst, "0086-"...)
		dst = append(dst, ph[:3]...)
		dst = append(dst, '-')
		dst = append(dst, ph[3:7]...)
		dst = append(dst, '-')
		return append(dst, ph[7:]...)
	case 5:
		dst = append(dst, "86 "...)
		return append(dst, ph...)
	case 6:
		dst = append(dst, "(+86)"...)
		return append(dst, ph...)
	case 7:
		dst = append(dst, "+86"...)
		return append(dst, ph...)
	default:
		dst = append(dst, ph[:3]...)
		dst = append(dst, '-')
		dst = append(dst, ph[3:7]...)
		dst = append(dst, '-')
		return append(dst, ph[7:]...)
	}
}

func storePhone(st int) string { return "021-6234 " + strconv.Itoa(5000+st) }

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

func synTruth(p *synPerson) []LabeledID {
	person := "P" + strconv.Itoa(p.i)
	var t []LabeledID
	add := func(typ, v string) { t = append(t, LabeledID{IDType: typ, Value: v, Person: person}) }
	if p.sharePhoneOf < 0 {
		add(IDPhone, string(p.phone[:]))
	}
	id := strconv.Itoa(p.i)
	if p.email {
		add(IDEmail, "user"+id+"@mail"+strconv.Itoa(p.i%7)+".com")
	}
	if p.member {
		add(IDMemberCard, "M"+id)
	}
	if p.tmall {
		add(IDBuyerID, "tmall:tb"+id)
	}
	if p.jd {
		add(IDBuyerID, "jd:jd_"+id)
	}
	if p.shopify {
		add(IDBuyerID, "shopify:"+id)
	}
	if p.wechat {
		add(IDOpenID, "oA"+id+"x")
		if p.union {
			add(IDUnionID, "uN"+id+"z")
		}
	}
	for d := 0; d < p.devices; d++ {
		add(IDDeviceID, "dev-"+id+"-"+strconv.Itoa(d))
	}
	return t
}

func synRow(b *synBuilder, p *synPerson, kind uint8, seq int, ts int64, key int, r *rand.Rand, buf []byte) []byte {
	src := synSources[kind]
	b.n++
	c := b.cols
	id := strconv.Itoa(p.i)
	c[cTable].Append(src.table)
	buf = append(buf[:0], src.source...)
	buf = append(buf, '-')
	buf = strconv.AppendInt(buf, int64(key), 10)
	c[cKey].BinaryBuilder.Append(buf)
	b.ts.Append(arrow.Timestamp(ts))
	c[cSource].Append(src.source)
	c[cChannel].Append(src.channel)

	phone := p.phone[:]
	var shared [11]byte
	if p.sharePhoneOf >= 0 {
		// the household member's phone is generated like theirs
		pre := 130 + p.sharePhoneOf%70
		copy(shared[:3], strconv.Itoa(pre))
		suf := p.sharePhoneOf / 70
		for k := 10; k >= 3; k-- {
			shared[k] = byte('0' + suf%10)
			suf /= 10
		}
		phone = shared[:]
	}
	putPhone := func(prob int) {
		if r.IntN(100) >= prob {
			c[cPhone].AppendNull()
			return
		}
		x := r.IntN(1000)
		switch {
		case x < 3:
			c[cPhone].Append("138123") // too short
		case x < 5:
			c[cPhone].Append("l" + string(phone[1:])) // letter l for 1
		default:
			buf = spellPhone(buf[:0], phone, r.IntN(10))
			c[cPhone].BinaryBuilder.Append(buf)
		}
	}
	putEmail := func(prob int) {
		if !p.email || r.IntN(100) >= prob {
			c[cEmail].AppendNull()
			return
		}
		e := "user" + id + "@mail" + strconv.Itoa(p.i%7) + ".com"
		switch r.IntN(4) {
		case 0:
			e = " " + e + " "
		case 1:
			e = "User" + id + "@MAIL" + strconv.Itoa(p.i%7) + ".COM"
		}
		c[cEmail].Append(e)
	}
	nulls := func(cols ...int) {
		for _, k := range cols {
			c[k].AppendNull()
		}
	}
	name := func(prob int) {
		if r.IntN(100) < prob {
			c[cName].Append(synSurnames[p.surname] + synGiven[p.given])
		} else {
			c[cName].AppendNull()
		}
	}
	switch kind {
	case kPOS:
		st := p.home
		if r.IntN(100) >= 80 {
			st = r.IntN(synStores)
		}
		if p.member && !(p.anonPOS && seq == p.counts[kPOS]-1) {
			// member receipt: the first always carries the phone
			if seq > 0 && r.IntN(100) < 3 {
				c[cPhone].Append(storePhone(st)) // cashier typed the store phone
			} else if seq == 0 {
				putPhone(100)
			} else {
				putPhone(40)
			}
			nulls(cEmail)
			c[cCard].Append("M" + id)
			name(30)
		} else {
			// anonymous walk-in: no identifier, or the store phone
			if r.IntN(100) < 30 {
				c[cPhone].Append(storePhone(st))
			} else {
				nulls(cPhone)
			}
			nulls(cEmail, cCard)
			c[cName].AppendNull()
		}
		nulls(cBuyer, cOpenID, cUnionID, cDevice)
		c[cStore].Append("S" + strconv.Itoa(st))
		c[cRegion].Append(synProvinces[st%len(synProvinces)])
	case kTmall, kJD:
		if r.IntN(1000) < 3 {
			c[cPhone].Append(synJunkPhone)
		} else if seq == 0 {
			putPhone(100)
		} else {
			putPhone(90)
		}
		if seq == 0 && (kind == kTmall || !p.tmall) {
			putEmail(100) // the first marketplace order carries the email
		} else {
			putEmail(30)
		}
		nulls(cCard)
		if kind == kTmall {
			c[cBuyer].Append("tmall:tb" + id)
		} else {
			c[cBuyer].Append("JD: jd_" + id + " ")
		}
		nulls(cOpenID, cUnionID, cDevice)
		name(90)
		nulls(cStore)
		c[cRegion].Append(synProvinces[(p.home+p.i%3)%len(synProvinces)])
	case kShopify:
		if seq == 0 {
			putPhone(100)
		} else {
			putPhone(50)
		}
		if r.IntN(100) < 5 {
			c[cEmail].Append(synJunkEmail)
		} else {
			putEmail(100)
		}
		nulls(cCard)
		c[cBuyer].Append("shopify:" + id)
		nulls(cOpenID, cUnionID, cDevice)
		name(80)
		nulls(cStore, cRegion)
	case kWechatAccount:
		switch {
		case p.unlinked:
			nulls(cPhone, cEmail, cCard)
		case p.member && r.IntN(100) < 40:
			nulls(cPhone, cEmail)
			c[cCard].Append("M" + id)
		default:
			putPhone(100)
			nulls(cEmail, cCard)
		}
		nulls(cBuyer)
		c[cOpenID].Append("oA" + id + "x")
		if p.union {
			c[cUnionID].Append("uN" + id + "z")
		} else {
			nulls(cUnionID)
		}
		nulls(cDevice, cName, cStore, cRegion)
	case kWechatAction:
		nulls(cPhone, cEmail, cCard, cBuyer)
		c[cOpenID].Append("oA" + id + "x")
		nulls(cUnionID, cDevice, cName, cStore, cRegion)
	case kApp:
		d := seq % p.devices
		if seq < p.devices {
			putPhone(100) // first event of each device logs in with the phone
		} else {
			putPhone(50)
		}
		nulls(cEmail)
		if p.member && r.IntN(100) < 30 {
			c[cCard].Append("M" + id)
		} else {
			nulls(cCard)
		}
		nulls(cBuyer, cOpenID, cUnionID)
		if r.IntN(100) < 2 {
			c[cDevice].Append("00000000-0000-0000-0000-000000000000")
		} else {
			c[cDevice].Append("dev-" + id + "-" + strconv.Itoa(d))
		}
		nulls(cName, cStore, cRegion)
	case kService:
		if r.IntN(100) < 10 {
			c[cPhone].Append(synService) // agent typed the hotline
		} else {
			putPhone(70)
		}
		if p.email {
			putEmail(100)
		} else {
			nulls(cEmail)
		}
		nulls(cCard, cBuyer, cOpenID, cUnionID, cDevice)
		name(50)
		nulls(cStore, cRegion)
	}
	return buf
}
