package generate

// The social and campaign side of a person: followed accounts, campaign
// contacts, and whether an identifier is linked within the window.

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
