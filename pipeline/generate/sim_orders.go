package generate

// Orders, POS receipts (member and anonymous), products and service
// tickets of a person, written as each source exports them.

import (
	"strconv"
)

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
