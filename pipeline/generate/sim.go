package generate

import (
	"math/rand/v2"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// chunkSize is the number of people simulated together. It is fixed (not
// derived from the number of workers) so output does not depend on the
// machine.
const chunkSize = 2000

// Purchase channels.
const (
	chTmall = iota
	chShopify
	chJD
	chPOS
	nCh
)

var channelNames = [nCh]string{"tmall", "shopify", "jd", "pos"}

// Model parameters. Purchases follow BG/NBD: while alive a buyer purchases
// as a Poisson process with rate lambda ~ Gamma(bgR, bgAlpha) per week, and
// after each purchase drops out with probability p ~ Beta(bgA, bgB).
// Spend per order depends on a per-person price tier (independent of
// frequency, as Gamma-Gamma assumes).
const (
	bgR        = 1.1
	bgAlpha    = 5.5 // weeks
	bgA        = 1.0
	bgB        = 8.0
	buyerShare = 0.80
	anonRate   = 0.55 // anonymous POS receipts per person
	maxOrders  = 150
	ticketRate = 0.03
	preShare   = 0.30 // buyers acquired before the period
	preDays    = 540  // ... up to this many days before From
	// mean social interactions per followed account and year
	interactionsPerYear = 6.0
)

var (
	homeCum      = cumulative([]float64{0.30, 0.13, 0.20, 0.37})
	onlineCum    = cumulative([]float64{0.45, 0.20, 0.35})
	regionCum    = cumulative(regionWeights)
	categoryCum  = cumulative(categoryWeights)
	ticketCum    = cumulative(ticketWeights)
	actionCum    = cumulative([]float64{0.50, 0.20, 0.15, 0.07, 0.08})
	qtyCum       = cumulative([]float64{0.85, 0.12, 0.03})
	csatHappy    = cumulative([]float64{0.03, 0.05, 0.15, 0.37, 0.40})
	csatComplain = cumulative([]float64{0.35, 0.30, 0.20, 0.10, 0.05})
	onlineHour   = cumulative([]float64{2, 1, 0.5, 0.3, 0.2, 0.3, 0.6, 1.2, 2, 3, 3.5, 4, 4.5, 4, 3.8, 3.8, 4, 4.2, 4.5, 5.5, 7, 8, 7, 4.5})
	posHour      = cumulative([]float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 5, 5, 5, 5, 5, 6, 7, 6, 3, 0, 0})
	discRates    = []float64{0, 0, 0, 0, 0.05, 0.1, 0.1, 0.15, 0.2}
)

var actions = []string{"view", "like", "click", "comment", "share"}

// phone spelling mixes per place the number is written
func spellMix(w map[int]float64) []float64 {
	v := make([]float64, nPhoneSpellings)
	for k, x := range w {
		v[k] = x
	}
	return cumulative(v)
}

var (
	phTmallMix    = spellMix(map[int]float64{phPlain: 0.85, phParen: 0.10, ph86Space: 0.05})
	phJDMix       = spellMix(map[int]float64{phPlain: 0.80, phDashes: 0.20})
	phShopifyMix  = spellMix(map[int]float64{phIntlSpace: 0.50, phPlus: 0.40, phZeroZero: 0.10})
	phPOSMix      = spellMix(map[int]float64{phPlain: 0.90, phSpaces: 0.10})
	phSocialMix   = spellMix(map[int]float64{phPlain: 0.60, ph86Space: 0.40})
	phContactMix  = spellMix(map[int]float64{phPlain: 0.50, phPlus: 0.50})
	phTicketMix   = spellMix(map[int]float64{phPlain: 0.50, phIntlSpace: 0.20, phZeroZero: 0.15, phParen: 0.15})
	emShopifyMix  = cumulative([]float64{0.80, 0.08, 0.02, 0.05, 0.05})
	emTicketMix   = cumulative([]float64{0.60, 0.05, 0.20, 0.15, 0})
	emContactMix  = cumulative([]float64{0.90, 0.10, 0, 0, 0})
	junkHotline   = "400-820-8820"
	junkTestEmail = "test@test.com"
	junkZeroCard  = "00000000"
)

// identifier-used bits
const (
	uCard = 1 << iota
	uTmall
	uShopify
	uJD
	uOpenid
	uMini
	uWeibo
	uUnion
)

type orderEv struct {
	t  int64
	ch int
}

type plan struct {
	src, after int
	spec       badSpec
	done       bool
}

// minRowsForBad: a bad row goes only into a month that already has this
// many rows of the source in the chunk.
const minRowsForBad = 20

type monthBuf struct {
	b    []byte
	rows int
}

type badRec struct {
	src, month, rel int
	col             string
	kind            int
}

type chunkOut struct {
	idx, persons int
	bufs         [nSrc][]monthBuf
	jd           []jdCols
	bad          []badRec
	truth        []byte
	truthRows    int
	junk         []int
	buyers, anon int
	orderLines   int
	err          error
}

type chunkGen struct {
	g       *gen
	r       *rand.Rand
	out     *chunkOut
	plans   [nSrc][]plan
	srcRows [nSrc]int
	badUsed [nSrc][]bool
	seq     [nCh]uint64
	tseq    uint64
	rw      row
	p       person
	orders  []orderEv
	scratch []byte
	ph, em  []byte
	oid     []byte
	ident   []byte
	tid     []byte
	cid     []byte
}

func (g *gen) runChunk(c int) *chunkOut {
	first := c * chunkSize
	n := chunkSize
	if first+n > g.opts.Customers {
		n = g.opts.Customers - first
	}
	out := &chunkOut{idx: c, persons: n, junk: make([]int, len(g.junk))}
	for s := range out.bufs {
		out.bufs[s] = make([]monthBuf, g.months)
	}
	out.jd = make([]jdCols, g.months)
	cg := &chunkGen{g: g, out: out,
		r: rand.New(rand.NewPCG(g.opts.Seed^0x5eed5eed5eed5eed, uint64(c)*0x9e3779b97f4a7c15+1))}
	for s := range cg.badUsed {
		cg.badUsed[s] = make([]bool, g.months)
	}
	for _, pl := range g.plans[c] {
		cg.plans[pl.src] = append(cg.plans[pl.src], pl)
	}
	cg.p.pid = make([]byte, 0, 16)
	for i := 0; i < n; i++ {
		cg.person(uint64(first + i))
	}
	nAnon := poisson(cg.r, float64(n)*anonRate)
	for i := 0; i < nAnon; i++ {
		cg.anonReceipt()
	}
	out.anon = nAnon
	// POS receipts are GBK-encoded, as the till software writes them.
	enc := simplifiedchinese.GBK.NewEncoder()
	for m := range out.bufs[srcPOS] {
		mb := &out.bufs[srcPOS][m]
		if len(mb.b) == 0 {
			continue
		}
		b, err := enc.Bytes(mb.b)
		if err != nil {
			out.err = err
			return out
		}
		mb.b = b
	}
	return out
}

func (cg *chunkGen) month(t int64) int {
	y, m, _ := civil(t / 86400)
	return (y-cg.g.y0)*12 + (m - cg.g.m0)
}

// emit writes r to src's file for r.month, then any bad row planned here.
func (cg *chunkGen) emit(src int, r *row) {
	if src == srcJD {
		j := &cg.out.jd[r.month]
		cg.scratch = appendJD(j, r, nil, cg.scratch)
	} else {
		mb := &cg.out.bufs[src][r.month]
		mb.b = format(src, mb.b, r, nil)
		mb.rows++
	}
	n := cg.srcRows[src]
	cg.srcRows[src]++
	for i := range cg.plans[src] {
		pl := &cg.plans[src][i]
		if pl.done || n < pl.after || cg.badUsed[src][r.month] {
			continue
		}
		// keep bad rows out of tiny files (a quarantine ratio check on a
		// 10-row file would trip on a single bad row) and put at most one
		// per file and chunk
		if src == srcJD {
			if cg.out.jd[r.month].rows() < minRowsForBad {
				continue
			}
		} else if cg.out.bufs[src][r.month].rows < minRowsForBad {
			continue
		}
		pl.done = true
		cg.badUsed[src][r.month] = true
		if src == srcJD {
			j := &cg.out.jd[r.month]
			cg.out.bad = append(cg.out.bad, badRec{src, r.month, j.rows(), pl.spec.col, pl.spec.kind})
			cg.scratch = appendJD(j, r, &pl.spec, cg.scratch)
		} else {
			mb := &cg.out.bufs[src][r.month]
			cg.out.bad = append(cg.out.bad, badRec{src, r.month, mb.rows, pl.spec.col, pl.spec.kind})
			mb.b = format(src, mb.b, r, &pl.spec)
			mb.rows++
		}
	}
}

func (cg *chunkGen) useJunk(id int) {
	p := &cg.p
	for _, j := range p.junk {
		if j == id {
			return
		}
	}
	p.junk = append(p.junk, id)
}

func (cg *chunkGen) uniform(a, b int64) int64 {
	if b <= a {
		return a
	}
	return a + cg.r.Int64N(b-a)
}

var (
	statusOK      = [nCh]string{"交易成功", "paid", "完成", ""}
	statusShipped = [nCh]string{"卖家已发货", "paid", "等待确认收货", ""}
	statusRefund  = [nCh]string{"交易关闭", "refunded", "已退款", ""}
	statusPartial = [nCh]string{"交易成功", "partially_refunded", "完成", ""}
)

// truthRows appends the person's identifiers to truth/identities.csv and
// counts their junk identifiers.
func (cg *chunkGen) truthRows() {
	p := &cg.p
	out := cg.out
	add := func(idType string, val []byte) {
		out.truth = append(out.truth, idType...)
		out.truth = append(out.truth, ',')
		out.truth = appendCSV(out.truth, bstr(val))
		out.truth = append(out.truth, ',')
		out.truth = append(out.truth, p.pid...)
		out.truth = append(out.truth, '\n')
		out.truthRows++
	}
	b := cg.scratch[:0]
	for sp := 0; sp < nPhoneSpellings; sp++ {
		if p.phoneMask&(1<<sp) != 0 {
			b = appendPhone(b[:0], &p.phone, sp)
			add("phone", b)
		}
	}
	var emails [nEmailSpellings]string
	for sp := 0; sp < nEmailSpellings; sp++ {
		if p.emailMask&(1<<sp) != 0 {
			b = appendEmail(b[:0], p.email, sp)
			dup := false
			for _, e := range emails[:sp] {
				dup = dup || e == string(b) // QQ addresses: upper-case domain == all upper-case
			}
			emails[sp] = string(b)
			if !dup {
				add("email", b)
			}
		}
	}
	if p.used&uCard != 0 {
		add("member_card", append(b[:0], p.card...))
	}
	if p.used&uTmall != 0 {
		add("buyer_id", append(append(b[:0], "tmall:"...), p.nick...))
	}
	if p.used&uShopify != 0 {
		add("buyer_id", append(append(b[:0], "shopify:"...), p.shopifyID...))
	}
	if p.used&uJD != 0 {
		add("buyer_id", append(append(b[:0], "jd:"...), p.jdPin...))
	}
	if p.used&uOpenid != 0 {
		add("openid", append(b[:0], p.openid...))
	}
	if p.used&uMini != 0 {
		add("openid", append(b[:0], p.miniID...))
	}
	if p.used&uWeibo != 0 {
		add("openid", append(b[:0], p.weiboUID...))
	}
	if p.used&uUnion != 0 {
		add("unionid", append(b[:0], p.unionid...))
	}
	cg.scratch = b
	for _, j := range p.junk {
		out.junk[j]++
	}
}
