package generate

import (
	"math"
	"math/rand/v2"
	"strconv"

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

type person struct {
	idx         uint64
	pid         []byte
	buyer       bool
	region      int
	home        int
	second      int
	homeStore   int
	assoc       string
	hasPhone    bool
	phone       [11]byte
	email       string
	testEmail   bool
	card        string
	nick        string
	shopifyID   string
	jdPin       string
	wechat      bool
	mini        bool
	weibo       bool
	openid      string
	miniID      string
	unionid     string
	weiboUID    string
	name        string
	billName    string
	nickname    string
	lambda      float64 // purchases per day while alive
	dropP       float64
	tier        float64
	catPref     int
	acq         int64
	followW     int64 // wechat follow time (0 none)
	unfollowW   int64
	known       int64
	contactOnly string     // identifier type used for contacts when no other record
	firstCh     [nCh]int64 // first natural order per channel, window or not (0 none)
	phoneMask   uint16
	emailMask   uint8
	used        uint16
	junk        []int
}

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

// person simulates one true person and writes all their records.
func (cg *chunkGen) person(idx uint64) {
	g, r := cg.g, cg.r
	ids := g.ids
	p := &cg.p
	*p = person{idx: idx, pid: p.pid[:0], junk: p.junk[:0], homeStore: -1, second: -1}
	p.pid = append(p.pid, 'P')
	p.pid = appendPad(p.pid, idx+1, 7)
	p.region = pick(r, regionCum)
	sn := surnames[r.IntN(len(surnames))]
	gn := givenChars[r.IntN(len(givenChars))]
	name, py := sn.hz+gn.hz, gn.py
	if r.IntN(2) == 0 {
		g2 := givenChars[r.IntN(len(givenChars))]
		name += g2.hz
		py += g2.py
	}
	p.name = name
	p.billName = name
	if r.IntN(2) == 0 {
		p.billName = string(upper(py[0])) + py[1:] + " " + string(upper(sn.py[0])) + sn.py[1:]
	}
	p.nickname = nickDecor[r.IntN(len(nickDecor))] + nickWords[r.IntN(len(nickWords))]
	if r.IntN(3) == 0 {
		p.nickname += strconv.Itoa(r.IntN(100))
	}

	p.buyer = r.Float64() < buyerShare
	uses := [nCh]bool{}
	if p.buyer {
		p.home = pick(r, homeCum)
		uses[p.home] = true
		if p.home == chPOS {
			if r.Float64() < 0.40 { // store-recruited, later also buys online
				p.second = pick(r, onlineCum)
			}
		} else if r.Float64() < 0.22 {
			for {
				c := pick(r, homeCum)
				if c != p.home {
					p.second = c
					break
				}
			}
		}
		if p.second >= 0 {
			uses[p.second] = true
		}
		p.hasPhone = uses[chTmall] || uses[chJD] || uses[chPOS] || r.Float64() < 0.6
		if uses[chShopify] {
			if r.Float64() < 0.02 {
				p.testEmail = true
			} else {
				p.email = cg.emailAddr(idx, sn.py, py)
			}
		}
		p.wechat = r.Float64() < 0.40
		p.weibo = r.Float64() < 0.12
		if (p.wechat || p.weibo) && !p.hasPhone {
			p.hasPhone = true // buyers who follow have bound their phone
		}
	} else {
		p.wechat = r.Float64() < 0.75
		p.weibo = r.Float64() < 0.35
		if !p.wechat && !p.weibo {
			p.wechat = true
		}
		// a phone bound to the accounts is what links two platforms
		p.hasPhone = (p.wechat && p.weibo) || r.Float64() < 0.35
	}
	if p.hasPhone {
		pre := mobilePrefixes[r.IntN(len(mobilePrefixes))]
		copy(p.phone[:3], pre)
		appendPad(p.phone[3:3:11], ids.phone.at(idx), 8)
	}
	if uses[chPOS] {
		p.card = "88" + pad(ids.card.at(idx), 8)
	}
	if uses[chTmall] {
		n := ids.nick.at(idx)
		switch r.IntN(3) {
		case 0:
			p.nick = "tb" + pad(n, 10)
		case 1:
			p.nick = nickWords[r.IntN(len(nickWords))] + strconv.FormatUint(n, 10)
		default:
			p.nick = py + "_" + strconv.FormatUint(n, 10)
		}
	}
	if uses[chShopify] {
		p.shopifyID = "6" + pad(ids.shopify.at(idx), 12)
	}
	if uses[chJD] {
		b := append(make([]byte, 0, 16), "jd_"...)
		p.jdPin = string(appendB36(b, ids.jd.at(idx), 10))
	}
	if p.wechat {
		b := append(make([]byte, 0, 28), ids.openidApp...)
		b = appendB64(b, ids.openid.at(idx), 6)
		p.openid = string(appendB64(b, r.Uint64(), 10)) + string(appendB64(nil, r.Uint64(), 7))
		if r.Float64() < 0.85 {
			b = append(b[:0], ids.unionApp...)
			b = appendB64(b, ids.union.at(idx), 6)
			p.unionid = string(appendB64(b, r.Uint64(), 10)) + string(appendB64(nil, r.Uint64(), 7))
			if r.Float64() < 0.12 {
				p.mini = true
				b = append(b[:0], ids.miniApp...)
				b = appendB64(b, ids.mini.at(idx), 6)
				p.miniID = string(appendB64(b, r.Uint64(), 10)) + string(appendB64(nil, r.Uint64(), 7))
			}
		}
	}
	if p.weibo {
		p.weiboUID = "5" + pad(ids.weibo.at(idx), 9)
	}

	p.known = math.MaxInt64
	// social accounts and their interactions
	if p.wechat {
		f, u := cg.follow("wechat", p.openid, p.unionid, p.hasPhone, uOpenid)
		p.followW, p.unfollowW = f, u
		if p.unionid != "" {
			p.used |= uUnion
		}
		if p.mini {
			cg.follow("wechat", p.miniID, p.unionid, false, uMini)
		}
	}
	if p.weibo {
		cg.follow("weibo", p.weiboUID, "", p.hasPhone, uWeibo)
	}

	// purchases
	if p.buyer {
		p.lambda = gammaRand(r, bgR) / bgAlpha / 7
		p.dropP = betaRand(r, bgA, bgB)
		p.tier = betaRand(r, 2, 2)
		p.catPref = pick(r, categoryCum)
		if r.Float64() < preShare {
			// already a customer before the export window: purchases
			// before From are simply not in the files
			p.acq = g.start - 1 - r.Int64N(preDays*86400)
		} else {
			// acquisition with a growing trend: density ∝ 1 + k*x on [0,1)
			const k = 0.8
			u := r.Float64()
			x := (-1 + math.Sqrt(1+k*(2+k)*u)) / k
			p.acq = g.start + int64(x*float64(g.end-g.start))
		}
		cg.orders = cg.orders[:0]
		t := p.acq
		ch := p.home
		for n := 0; n < maxOrders; n++ {
			// the brand knows the customer from their first order, even
			// one from before the export window
			if p.firstCh[ch] == 0 {
				p.firstCh[ch] = t
			}
			if t < p.known {
				p.known = t
			}
			if t >= g.start {
				cg.orders = append(cg.orders, orderEv{t, ch})
			}
			if r.Float64() < p.dropP {
				break
			}
			t += int64(r.ExpFloat64() / p.lambda * 86400)
			if t >= g.end || t < 0 {
				break
			}
			ch = p.home
			if p.second >= 0 && r.Float64() < 0.35 {
				ch = p.second
			}
		}
	}

	// campaigns (may add uplift orders to cg.orders)
	cg.contacts()

	if p.buyer && len(cg.orders) > 0 {
		cg.out.buyers++
		// time order, so "first order in a channel" means first in time
		o := cg.orders
		for i := 1; i < len(o); i++ {
			for j := i; j > 0 && o[j].t < o[j-1].t; j-- {
				o[j], o[j-1] = o[j-1], o[j]
			}
		}
		var seen [nCh]bool
		for _, ev := range o {
			cg.order(ev, !seen[ev.ch])
			seen[ev.ch] = true
		}
	}
	cg.truthRows()
}

func (cg *chunkGen) emailAddr(idx uint64, spy, gpy string) string {
	ids := cg.g.ids
	if cg.r.Float64() < 0.35 {
		return strconv.FormatUint(10000+ids.qq.at(idx), 10) + "@qq.com"
	}
	n := strconv.FormatUint(ids.emailNum.at(idx), 10)
	dom := emailDomains[cg.r.IntN(len(emailDomains))]
	switch cg.r.IntN(3) {
	case 0:
		return spy + gpy + n + "@" + dom
	case 1:
		return gpy + "." + spy + n + "@" + dom
	}
	return spy + "_" + gpy + n + "@" + dom
}

// follow writes one social account row and its interactions; it returns
// the follow and unfollow times.
func (cg *chunkGen) follow(platform, openid, unionid string, withPhone bool, usedBit uint16) (int64, int64) {
	g, r, p := cg.g, cg.r, &cg.p
	f := cg.uniform(g.start, g.end-86400)
	var u int64
	if r.Float64() < 0.08 {
		u = cg.uniform(f+3600, g.end)
	}
	if f < p.known {
		p.known = f
	}
	p.used |= usedBit
	rw := &cg.rw
	*rw = row{month: cg.month(f), platform: platform, openid: openid, unionid: unionid,
		nickname: p.nickname, ts: f, ts2: u}
	cg.ph = cg.ph[:0]
	if withPhone {
		sp := pick(r, phSocialMix)
		p.phoneMask |= 1 << sp
		cg.ph = appendPhone(cg.ph, &p.phone, sp)
	}
	rw.phone = cg.ph
	cg.emit(srcFollowers, rw)

	// interactions
	stop := g.end
	if u != 0 {
		stop = u
	}
	// engagement: interactions per year while following, heterogeneous
	n := poisson(r, gammaRand(r, 0.7)/0.7*interactionsPerYear*float64(stop-f)/(365*86400))
	for i := 0; i < n; i++ {
		t := cg.uniform(f, stop)
		m := cg.month(t)
		y, mo, _ := civil(t / 86400)
		ci := r.IntN(25)
		cg.cid = append(cg.cid[:0], 'C')
		cg.cid = append4(cg.cid, y)
		cg.cid = append2(cg.cid, mo)
		cg.cid = append(cg.cid, '-')
		cg.cid = append2(cg.cid, ci)
		*rw = row{month: m, platform: platform, openid: openid, ts: t,
			action: actions[pick(r, actionCum)], contentID: cg.cid,
			category: contentCategories[(y*12+mo+ci*5)%len(contentCategories)]}
		cg.emit(srcInteractions, rw)
	}
	return f, u
}

// contacts assigns the person to campaigns and writes contact rows.
func (cg *chunkGen) contacts() {
	g, r, p := cg.g, cg.r, &cg.p
	for ci := range g.cat.camps {
		c := &g.cat.camps[ci]
		st := c.Start * 86400
		rw := &cg.rw
		cg.ident = cg.ident[:0]
		switch c.IDType {
		case "phone":
			if !p.hasPhone || p.known > st {
				continue
			}
		case "email":
			if p.email == "" || p.firstCh[chShopify] == 0 || p.firstCh[chShopify] > st {
				continue
			}
		case "openid":
			if !p.wechat || p.followW > st || (p.unfollowW != 0 && p.unfollowW < st) {
				continue
			}
		case "member_card":
			if p.card == "" || p.firstCh[chPOS] == 0 || p.firstCh[chPOS] > st {
				continue
			}
		}
		// Contact only through an identifier that also shows up in a
		// record linking it to the person's other identifiers in the
		// window, or, for someone with no other record in the window, one
		// identifier type only; otherwise the truth could not be stitched.
		noRecords := len(cg.orders) == 0 && !p.wechat && !p.weibo
		if !cg.linkedInWindow(c.IDType) && !(noRecords && (p.contactOnly == "" || p.contactOnly == c.IDType)) {
			continue
		}
		rate := c.Rate
		if !p.buyer {
			rate /= 2
		}
		if r.Float64() >= rate {
			continue
		}
		switch c.IDType {
		case "phone":
			sp := pick(r, phContactMix)
			p.phoneMask |= 1 << sp
			cg.ident = appendPhone(cg.ident, &p.phone, sp)
		case "email":
			sp := pick(r, emContactMix)
			p.emailMask |= 1 << sp
			cg.ident = appendEmail(cg.ident, p.email, sp)
		case "openid":
			cg.ident = append(cg.ident, p.openid...)
		case "member_card":
			cg.ident = append(cg.ident, p.card...)
			p.used |= uCard
		}
		if noRecords {
			p.contactOnly = c.IDType
		}
		group := "target"
		if !c.NoControl && r.Float64() < 0.10 {
			group = "control"
		}
		t := st + r.Int64N(3)*86400 + 10*3600 + r.Int64N(10*3600)
		*rw = row{month: cg.month(t), campID: c.ID, idType: c.IDType, identifier: cg.ident, group: group, ts: t}
		cg.emit(srcContacts, rw)
		// campaign effect: some targeted buyers purchase soon after
		if group == "target" && p.buyer && r.Float64() < 0.08 {
			ot := t + 43200 + r.Int64N(14*86400)
			if ot < g.end && len(cg.orders) < maxOrders+10 {
				ch := p.home
				if c.IDType == "member_card" {
					ch = chPOS
				} else if c.IDType == "email" {
					ch = chShopify
				}
				cg.orders = append(cg.orders, orderEv{ot, ch})
			}
		}
	}
}

// linkedInWindow reports whether the person's identifier of this type
// appears, inside the window, on a record that also carries another of
// their identifiers.
func (cg *chunkGen) linkedInWindow(idType string) bool {
	p := &cg.p
	has := func(ch int) bool {
		for _, o := range cg.orders {
			if o.ch == ch {
				return true
			}
		}
		return false
	}
	switch idType {
	case "phone":
		return p.hasPhone && (len(cg.orders) > 0 || p.wechat || p.weibo)
	case "email":
		return has(chShopify)
	case "member_card":
		return has(chPOS)
	case "openid":
		return p.wechat
	}
	return false
}

func (cg *chunkGen) pickStore(day int64) int {
	g, r, p := cg.g, cg.r, &cg.p
	st := g.cat.stores
	if p.homeStore >= 0 && st[p.homeStore].Opened <= day && r.Float64() < 0.85 {
		return p.homeStore
	}
	choose := func(cands []int) int {
		n := 0
		for _, i := range cands {
			if st[i].Opened <= day {
				n++
			}
		}
		if n == 0 {
			return -1
		}
		k := r.IntN(n)
		for _, i := range cands {
			if st[i].Opened <= day {
				if k == 0 {
					return i
				}
				k--
			}
		}
		return -1
	}
	s := choose(g.cat.byRegion[p.region])
	if s < 0 {
		s = choose(g.allStores)
	}
	if s < 0 {
		s = 0
	}
	if p.homeStore < 0 {
		p.homeStore = s
		as := st[s].Associates
		p.assoc = as[r.IntN(len(as))]
	}
	return s
}

func (cg *chunkGen) tod(hours []float64) int64 {
	return int64(pick(cg.r, hours))*3600 + cg.r.Int64N(3600)
}

// orderKey is unique per order across the whole run.
func (cg *chunkGen) orderKey(ch int) uint64 {
	cg.seq[ch]++
	return uint64(cg.out.idx)*1_000_000 + cg.seq[ch]
}

// order writes one order's lines (and maybe a service ticket).
func (cg *chunkGen) order(ev orderEv, firstInChannel bool) {
	g, r, p := cg.g, cg.r, &cg.p
	day := ev.t / 86400
	ch := ev.ch
	rw := &cg.rw
	*rw = row{}
	var stPtr *store
	hours := onlineHour
	if ch == chPOS {
		hours = posHour
		stPtr = &g.cat.stores[cg.pickStore(day)]
	}
	t := day*86400 + cg.tod(hours)
	rw.ts = t
	rw.month = cg.month(t)
	rw.store = stPtr
	key := cg.orderKey(ch)
	cg.oid = cg.oid[:0]
	cg.ph = cg.ph[:0]
	cg.em = cg.em[:0]
	if ch != chPOS {
		provs := regionProvinces[p.region]
		rw.prov, rw.addrNo = &provs[p.idx%uint64(len(provs))], p.idx
	}
	switch ch {
	case chTmall:
		cg.oid = append(cg.oid, '2')
		cg.oid = appendPad(cg.oid, g.orderScr[ch].at(key), 12)
		cg.oid = appendPad(cg.oid, r.Uint64N(1_000_000), 6)
		rw.buyer, rw.name = p.nick, p.name
		p.used |= uTmall
		sp := pick(r, phTmallMix)
		p.phoneMask |= 1 << sp
		cg.ph = appendPhone(cg.ph, &p.phone, sp)
	case chJD:
		cg.oid = append(cg.oid, '3')
		cg.oid = appendPad(cg.oid, g.orderScr[ch].at(key), 11)
		rw.buyer, rw.name = p.jdPin, p.name
		p.used |= uJD
		sp := pick(r, phJDMix)
		p.phoneMask |= 1 << sp
		cg.ph = appendPhone(cg.ph, &p.phone, sp)
	case chShopify:
		cg.oid = append(cg.oid, '#')
		cg.oid = strconv.AppendUint(cg.oid, 1000+key, 10)
		rw.customerID, rw.name = p.shopifyID, p.billName
		p.used |= uShopify
		if p.testEmail {
			cg.em = append(cg.em, junkTestEmail...)
			cg.useJunk(g.junkTestEmail)
		} else {
			sp := pick(r, emShopifyMix)
			p.emailMask |= 1 << sp
			cg.em = appendEmail(cg.em, p.email, sp)
		}
		if p.hasPhone && (firstInChannel || r.Float64() < 0.5) {
			sp := pick(r, phShopifyMix)
			p.phoneMask |= 1 << sp
			cg.ph = appendPhone(cg.ph, &p.phone, sp)
		}
	case chPOS:
		cg.oid = posReceiptID(cg.oid[:0], t, stPtr, g.orderScr[ch].at(key))
		rw.card = p.card
		p.used |= uCard
		u := r.Float64()
		switch {
		case firstInChannel || (u >= 0.07 && u < 0.72):
			sp := pick(r, phPOSMix)
			p.phoneMask |= 1 << sp
			cg.ph = appendPhone(cg.ph, &p.phone, sp)
		case u < 0.03: // forgot the card: the cashier types 00000000
			rw.card = junkZeroCard
			cg.useJunk(g.junkZeroCard)
			sp := pick(r, phPOSMix)
			p.phoneMask |= 1 << sp
			cg.ph = appendPhone(cg.ph, &p.phone, sp)
		case u < 0.07: // refused to give a phone: the store's landline
			cg.ph = append(cg.ph, stPtr.Landline...)
			cg.useJunk(stPtr.junkIdx)
		}
		rw.assoc = p.assoc
		if r.Float64() < 0.3 {
			as := stPtr.Associates
			rw.assoc = as[r.IntN(len(as))]
		}
	}
	rw.orderID = cg.oid
	rw.phone = cg.ph
	rw.email = cg.em

	// status and refunds
	nLines := 1 + poisson(r, 0.8)
	if ch == chPOS {
		nLines = 1 + poisson(r, 1.2)
	}
	if nLines > 8 {
		nLines = 8
	}
	refundLine := -2 // -1 all lines
	status := statusOK[ch]
	if ch != chPOS {
		u := r.Float64()
		switch {
		case g.end-t < 7*86400 && u < 0.6:
			status = statusShipped[ch]
		case u < 0.03:
			status = statusRefund[ch]
			refundLine = -1
		case u < 0.07:
			status = statusPartial[ch]
			refundLine = r.IntN(nLines)
		}
	}
	rw.status = status
	rate := discRates[r.IntN(len(discRates))]
	if ch == chPOS && r.IntN(2) == 0 {
		rate = 0
	}
	src := [nCh]int{srcTmall, srcShopify, srcJD, srcPOS}[ch]
	for li := 0; li < nLines; li++ {
		rw.prod = cg.product()
		rw.qty = int64(1 + pick(r, qtyCum))
		rw.price = rw.prod.Price
		gross := rw.qty * rw.price
		rw.disc = int64(float64(gross)*rate/100) * 100
		rw.paid = gross - rw.disc
		rw.refund = 0
		if refundLine == -1 || refundLine == li {
			rw.refund = rw.paid
		}
		cg.emit(src, rw)
		cg.out.orderLines++
	}
	if r.Float64() < ticketRate || (refundLine != -2 && r.Float64() < 0.4) {
		cg.ticket(ch, t)
	}
}

var (
	statusOK      = [nCh]string{"交易成功", "paid", "完成", ""}
	statusShipped = [nCh]string{"卖家已发货", "paid", "等待确认收货", ""}
	statusRefund  = [nCh]string{"交易关闭", "refunded", "已退款", ""}
	statusPartial = [nCh]string{"交易成功", "partially_refunded", "完成", ""}
)

// posReceiptID is yyyymmdd + store number + a 9-digit unique number.
func posReceiptID(dst []byte, t int64, st *store, uniq uint64) []byte {
	y, m, d := civil(t / 86400)
	dst = append4(dst, y)
	dst = append2(dst, m)
	dst = append2(dst, d)
	dst = append(dst, st.ID[1:]...)
	return appendPad(dst, uniq, 9)
}

func (cg *chunkGen) product() *product {
	g, r, p := cg.g, cg.r, &cg.p
	if r.Float64() < 0.012 {
		return &g.cat.products[g.cat.off[r.IntN(len(g.cat.off))]]
	}
	cat := p.catPref
	if r.Float64() >= 0.55 {
		cat = pick(r, categoryCum)
	}
	list := g.cat.byCat[cat]
	n := float64(len(list))
	i := int(p.tier*n + r.NormFloat64()*n*0.2)
	if i < 0 {
		i = 0
	}
	if i >= len(list) {
		i = len(list) - 1
	}
	return &g.cat.products[list[i]]
}

func (cg *chunkGen) ticket(ch int, orderT int64) {
	g, r, p := cg.g, cg.r, &cg.p
	opened := orderT + 7200 + r.Int64N(10*86400)
	if opened >= g.end {
		return
	}
	cat := pick(r, ticketCum)
	complaint := ticketCategories[cat] == "投诉"
	mean := 1.5 * 86400
	if complaint {
		mean = 3 * 86400
	}
	closed := opened + 600 + int64(r.ExpFloat64()*mean)
	if closed >= g.end {
		closed = 0
	}
	csat := 0
	if closed != 0 && r.Float64() >= 0.35 {
		if complaint {
			csat = 1 + pick(r, csatComplain)
		} else {
			csat = 1 + pick(r, csatHappy)
		}
	}
	cg.ident = cg.ident[:0]
	idType := "phone"
	usePhone := false
	switch ch {
	case chTmall:
		if r.IntN(2) == 0 {
			idType = "buyer_id"
			cg.ident = append(append(cg.ident, "tmall:"...), p.nick...)
		} else {
			usePhone = true
		}
	case chJD:
		if r.IntN(2) == 0 {
			idType = "buyer_id"
			cg.ident = append(append(cg.ident, "jd:"...), p.jdPin...)
		} else {
			usePhone = true
		}
	case chShopify:
		if p.email != "" && r.Float64() < 0.7 {
			idType = "email"
			sp := pick(r, emTicketMix)
			p.emailMask |= 1 << sp
			cg.ident = appendEmail(cg.ident, p.email, sp)
		} else {
			idType = "buyer_id"
			cg.ident = append(append(cg.ident, "shopify:"...), p.shopifyID...)
		}
	case chPOS:
		if r.IntN(2) == 0 {
			idType = "member_card"
			cg.ident = append(cg.ident, p.card...)
		} else {
			usePhone = true
		}
	}
	if usePhone {
		sp := pick(r, phTicketMix)
		p.phoneMask |= 1 << sp
		cg.ident = appendPhone(cg.ident, &p.phone, sp)
	}
	cg.tseq++
	cg.tid = append(cg.tid[:0], "TK"...)
	cg.tid = appendPad(cg.tid, g.ticketScr.at(uint64(cg.out.idx)*1_000_000+cg.tseq), 10)
	rw := &cg.rw
	*rw = row{month: cg.month(opened), ticketID: cg.tid, idType: idType, identifier: cg.ident,
		ts: opened, ts2: closed, category: ticketCategories[cat], csat: csat}
	cg.emit(srcTickets, rw)
}

// anonReceipt writes a receipt from a walk-in customer with no membership.
// Each such receipt counts as a distinct person for junk.csv.
func (cg *chunkGen) anonReceipt() {
	g, r := cg.g, cg.r
	t := cg.uniform(g.start, g.end)
	day := t / 86400
	region := pick(r, regionCum)
	var st *store
	for try := 0; try < 8 && st == nil; try++ {
		cands := g.cat.byRegion[region]
		s := &g.cat.stores[cands[r.IntN(len(cands))]]
		if s.Opened <= day {
			st = s
		}
	}
	if st == nil {
		st = &g.cat.stores[0]
	}
	t = day*86400 + cg.tod(posHour)
	rw := &cg.rw
	*rw = row{month: cg.month(t), ts: t, store: st}
	cg.oid = posReceiptID(cg.oid[:0], t, st, g.orderScr[chPOS].at(cg.orderKey(chPOS)))
	rw.orderID = cg.oid
	cg.ph = cg.ph[:0]
	junk := [2]int{-1, -1}
	switch u := r.Float64(); {
	case u < 0.12:
		cg.ph = append(cg.ph, junkHotline...)
		junk[0] = g.junkHotline
	case u < 0.22:
		cg.ph = append(cg.ph, st.Landline...)
		junk[0] = st.junkIdx
	}
	rw.phone = cg.ph
	if r.Float64() < 0.06 {
		rw.card = junkZeroCard
		junk[1] = g.junkZeroCard
	}
	for _, j := range junk {
		if j >= 0 {
			cg.out.junk[j]++
		}
	}
	if r.Float64() < 0.8 {
		rw.assoc = st.Associates[r.IntN(len(st.Associates))]
	}
	tier := r.Float64()
	nLines := 1 + poisson(r, 1.0)
	rate := 0.0
	if r.IntN(3) == 0 {
		rate = discRates[r.IntN(len(discRates))]
	}
	for li := 0; li < nLines; li++ {
		cat := pick(r, categoryCum)
		list := g.cat.byCat[cat]
		i := int(tier*float64(len(list)) + r.NormFloat64()*2)
		if i < 0 {
			i = 0
		}
		if i >= len(list) {
			i = len(list) - 1
		}
		rw.prod = &g.cat.products[list[i]]
		rw.qty = int64(1 + pick(r, qtyCum))
		rw.price = rw.prod.Price
		gross := rw.qty * rw.price
		rw.disc = int64(float64(gross)*rate/100) * 100
		rw.paid = gross - rw.disc
		cg.emit(srcPOS, rw)
		cg.out.orderLines++
	}
}

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
