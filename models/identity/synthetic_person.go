package identity

import (
	"math/rand/v2"
	"strconv"
)

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
