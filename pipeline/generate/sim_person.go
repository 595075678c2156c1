package generate

// A simulated person: their identifiers (with the deliberate variants and
// junk of real exports), channels, purchase plan and life events.

import (
	"math"
	"strconv"
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
