package identity

import (
	"math/rand/v2"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

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
