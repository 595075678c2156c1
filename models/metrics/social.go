// Long file: SocialEngagementOf is one pass over six inputs whose steps
// (customers' tiers and stages, accounts, interactions account by account
// as socialinput.go reduced them, the key space, followers) share interned
// names, per-customer and per-account arrays and accumulators; split into
// functions, each step would take and return a dozen of them. The steps are marked by
// comments inside the function.

package metrics

import (
	"math"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultConversionDays is the fan-to-buyer window when
// SocialOptions.ConversionDays is 0.
const DefaultConversionDays = 30

// SocialOptions configures SocialEngagement.
type SocialOptions struct {
	Common
	// ConversionDays is the window after following within which a purchase
	// converts a fan to a buyer (0: 30).
	ConversionDays int
}

// SocialStats is what SocialEngagement counted besides its rows.
type SocialStats struct {
	OrderStats
	// Interactions read, LaterInteractions after the as-of day and
	// UnlinkedInteractions by accounts with no customer.
	Interactions, LaterInteractions, UnlinkedInteractions int64
	// Accounts is the number of social accounts; LinkedAccounts are linked
	// to a customer; Followers have a follow time.
	Accounts, LinkedAccounts, Followers int64
	// TieredCustomers and StagedCustomers were found in the tier and stage
	// inputs (0 when those inputs were not given).
	TieredCustomers, StagedCustomers int64
}

// Social engagement dimensions (besides DimTotal, DimCategory, DimRegion).
const (
	DimRFMTier        = "rfm_tier"
	DimAIPLStage      = "aipl_stage"
	DimPyramidStage   = "pyramid_stage"
	DimRegionCategory = "region_category" // key region, subkey category
	DimFollowers      = "followers"       // key platform or 'all'
)

// SocialSchema is the schema of the social_engagement mart: per period
// (month of the interaction or follow), dimension, key and subkey.
//
// Interaction rows (dimensions total, category, region, rfm_tier,
// aipl_stage, pyramid_stage, region_category): interactions and their
// split by action, users (distinct social accounts) and customers
// (distinct linked customers); share = interactions / interactions of the
// month (for region_category: / interactions of the region), overall_share
// = the category's share of all interactions of the month, affinity_index
// = 100 × share / overall_share (above 100: the region engages with the
// category more than everyone does), rank = the category's place within
// the region (1 = most interactions). Region is the linked customer's;
// tier and stages are the customer's as of the as-of date (from the rfm
// and lifecycle marts); 'unknown' when not linked or not known.
//
// Follower rows (dimension followers): followers at the end of the month
// (as-of date for the as-of month; accounts with a follow time, less those
// who unfollowed), linked_followers of them linked to a customer,
// new_followers who followed in the month, linked_new_followers, and
// converted_followers: new followers whose customer bought within
// conversion_days days of following; conversion_rate = converted /
// new_followers. Columns that do not apply to a row are NULL.
var SocialSchema = arrow.NewSchema([]arrow.Field{
	field("as_of", tDate), field("period", tString), field("dimension", tString), field("key", tString), field("subkey", tString),
	field("interactions", tInt), field("views", tInt), field("likes", tInt), field("comments", tInt), field("shares", tInt), field("clicks", tInt),
	field("users", tInt), field("customers", tInt),
	field("share", tFloat), field("overall_share", tFloat), field("affinity_index", tFloat), field("rank", tInt),
	field("followers", tInt), field("linked_followers", tInt), field("new_followers", tInt), field("linked_new_followers", tInt),
	field("converted_followers", tInt), field("conversion_rate", tFloat), field("conversion_days", tInt),
}, nil)

var socialActions = [...]string{"view", "like", "comment", "share", "click"}

type engageAcc struct {
	n, users, customers int64
	actions             [len(socialActions)]int64
}

func actionIndex(s string) int8 {
	for i, a := range socialActions {
		if s == a {
			return int8(i)
		}
	}
	ls := strings.ToLower(strings.TrimSpace(s))
	for i, a := range socialActions {
		if ls == a {
			return int8(i)
		}
	}
	return -1
}

type followAcc struct {
	delta, linkedDelta, newF, linkedNew, converted int64
}

// SocialEngagement computes interactions by content category, region, RFM
// tier and lifecycle stage, the region × category affinity index, and
// followers with their fan-to-buyer conversion, from social_interactions
// (platform, openid, ts, action, content_category, customer_id),
// social_accounts (platform, openid, followed_ts, unfollowed_ts,
// customer_id), customers (customer_id, region), tiers (customer_id, tier;
// may be nil), stages (customer_id, aipl_stage, pyramid_stage; may be nil)
// and orders (OrderColumns). The caller releases the returned batches,
// which have SocialSchema.
func SocialEngagement(interactions, accounts, customers, tiers, stages, orders []arrow.RecordBatch, opt SocialOptions) ([]arrow.RecordBatch, SocialStats, error) {
	x, err := NewSocialInteractions(opt.Common)
	if err != nil {
		return nil, SocialStats{}, err
	}
	for _, rec := range interactions {
		if err := x.Add(rec); err != nil {
			return nil, SocialStats{}, err
		}
	}
	return SocialEngagementOf(x, accounts, customers, tiers, stages, orders, opt)
}

// SocialEngagementOf is SocialEngagement with the interactions added to x
// beforehand (built for opt's as-of date and time zone), which it uses up.
func SocialEngagementOf(x *SocialInteractions, accounts, customers, tiers, stages, orders []arrow.RecordBatch, opt SocialOptions) ([]arrow.RecordBatch, SocialStats, error) {
	var st SocialStats
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, st, err
	}
	if err := x.take(cal); err != nil {
		return nil, st, err
	}
	convDays := opt.ConversionDays
	if convDays <= 0 {
		convDays = DefaultConversionDays
	}
	convUS := int64(convDays) * usPerDay
	d := newDims(numRows(orders) + numRows(accounts) + len(x.acctOID))
	if err := d.readCustomers(customers); err != nil {
		return nil, st, err
	}
	// Tier and stages per customer: rows keyed in the customer keys, set
	// once those are built.
	tierNames, aiplNames, pyrNames := newInterner(8), newInterner(8), newInterner(8)
	unknownTier, unknownAIPL, unknownPyr := tierNames.id(Unknown), aiplNames.id(Unknown), pyrNames.id(Unknown)
	tierSrc := d.custKeys.source()
	var tierOf []int32
	for bi, rec := range tiers {
		t := table{name: "rfm", rec: rec}
		id, err := t.str("customer_id", true)
		if err != nil {
			return nil, st, wrapBatch("rfm", bi, err)
		}
		tier, err := t.str("tier", true)
		if err != nil {
			return nil, st, wrapBatch("rfm", bi, err)
		}
		tierSrc.batch(id)
		for i := 0; i < int(rec.NumRows()); i++ {
			tierSrc.add(0, id.at(i))
			tierOf = append(tierOf, tierNames.id(orUnknown(tier.at(i))))
		}
	}
	stageSrc := d.custKeys.source()
	var aiplOf, pyrOf []int32
	for bi, rec := range stages {
		t := table{name: "lifecycle_stage", rec: rec}
		id, err := t.str("customer_id", true)
		if err != nil {
			return nil, st, wrapBatch("lifecycle_stage", bi, err)
		}
		aipl, err := t.str("aipl_stage", false)
		if err != nil {
			return nil, st, wrapBatch("lifecycle_stage", bi, err)
		}
		pyr, err := t.str("pyramid_stage", false)
		if err != nil {
			return nil, st, wrapBatch("lifecycle_stage", bi, err)
		}
		stageSrc.batch(id)
		for i := 0; i < int(rec.NumRows()); i++ {
			stageSrc.add(0, id.at(i))
			aiplOf = append(aiplOf, aiplNames.id(orUnknown(aipl.at(i))))
			pyrOf = append(pyrOf, pyrNames.id(orUnknown(pyr.at(i))))
		}
	}

	// Accounts are (platform, openid), numbered over social_accounts and
	// the interactions together. An account's customer is that of its
	// first social_accounts row that has one, else that of its first
	// interaction that has one; its follow times are those of its first
	// row with a follow time.
	platforms := newInterner(8)
	acctKeys := newKeySet(numRows(accounts) + len(x.acctOID))
	aRows := acctKeys.source()
	var (
		rPlat         []uint16
		rFollow, rUnf []int64
		rCustPos      []int32
		acctCustSrc   = d.custKeys.source()
		prevPlat      string
		prevPlatID    = int32(-1)
		platformOf    = func(s string) int32 {
			if prevPlatID < 0 || s != prevPlat {
				prevPlat, prevPlatID = s, platforms.id(orUnknown(s))
			}
			return prevPlatID
		}
	)
	for bi, rec := range accounts {
		t := table{name: "social_accounts", rec: rec}
		plat, err := t.str("platform", true)
		if err != nil {
			return nil, st, wrapBatch("social_accounts", bi, err)
		}
		oid, err := t.str("openid", true)
		if err != nil {
			return nil, st, wrapBatch("social_accounts", bi, err)
		}
		fol, err := t.ts("followed_ts", false, cal)
		if err != nil {
			return nil, st, wrapBatch("social_accounts", bi, err)
		}
		unf, err := t.ts("unfollowed_ts", false, cal)
		if err != nil {
			return nil, st, wrapBatch("social_accounts", bi, err)
		}
		cust, err := t.str("customer_id", false)
		if err != nil {
			return nil, st, wrapBatch("social_accounts", bi, err)
		}
		aRows.batch(oid)
		acctCustSrc.batch(cust)
		for i := 0; i < int(rec.NumRows()); i++ {
			pl := platformOf(plat.at(i))
			aRows.add(uint64(pl)+1, oid.at(i))
			rPlat = append(rPlat, uint16(pl))
			cs := cust.at(i)
			pos := acctCustSrc.add(0, cs)
			if cs == "" {
				pos = -1
			}
			rCustPos = append(rCustPos, int32(pos))
			f, u := int64(math.MinInt64), int64(math.MinInt64)
			if fol.valid(i) && fol.at(i) < cal.endUS {
				f = fol.at(i)
				if unf.valid(i) && unf.at(i) < cal.endUS {
					u = unf.at(i)
				}
			}
			rFollow = append(rFollow, f)
			rUnf = append(rUnf, u)
		}
	}
	// The interactions' accounts, in the order of their first interaction
	// (so platforms are named in the order of their first row); their
	// customer is that of their first interaction that has one.
	st.Interactions, st.LaterInteractions = x.all, x.later
	xRows := acctKeys.source()
	intSrc := d.custKeys.source()
	xPlat := make([]int32, len(x.acctOID))
	xCustPos := make([]int32, len(x.acctOID))
	for i, o := range x.acctOID {
		pl := platforms.id(x.plats.name(x.acctPl[i]))
		xPlat[i] = pl
		xRows.add(uint64(pl)+1, o)
		xCustPos[i] = -1
		if c := x.acctCus[i]; c != "" {
			xCustPos[i] = int32(intSrc.add(0, c))
		}
	}
	x.acct, x.acctOID, x.acctPl, x.acctCus = nil, nil, nil, nil
	acctKeys.build()
	nAcct := acctKeys.len()
	aPlat := make([]int32, nAcct)
	aFollow := make([]int64, nAcct)
	aUnfollow := make([]int64, nAcct)
	aAcctPos := make([]int32, nAcct)
	aIntPos := make([]int32, nAcct)
	for a := range aPlat {
		aPlat[a], aFollow[a], aUnfollow[a], aAcctPos[a], aIntPos[a] = -1, math.MinInt64, math.MinInt64, -1, -1
	}
	for r := range rPlat {
		a := aRows.id(r)
		if a < 0 {
			continue
		}
		if aPlat[a] < 0 {
			aPlat[a] = int32(rPlat[r])
		}
		if aAcctPos[a] < 0 {
			aAcctPos[a] = rCustPos[r]
		}
		if aFollow[a] == math.MinInt64 {
			aFollow[a], aUnfollow[a] = rFollow[r], rUnf[r]
		}
	}
	for i := range xPlat {
		a := xRows.id(i)
		if a < 0 {
			continue
		}
		if aPlat[a] < 0 {
			aPlat[a] = xPlat[i]
		}
		if aAcctPos[a] < 0 && aIntPos[a] < 0 {
			aIntPos[a] = xCustPos[i]
		}
	}
	xPlat, xCustPos = nil, nil
	b, err := scanOrders(orders, d, cal, opt.CancelledStatuses, false)
	if err != nil {
		return nil, st, err
	}
	st.OrderStats = b.stats
	d.buildCustomers()
	b.finish(d)
	nc := d.nCust()
	custTier := make([]int32, nc)
	custAIPL := make([]int32, nc)
	custPyr := make([]int32, nc)
	for c := range custTier {
		custTier[c], custAIPL[c], custPyr[c] = unknownTier, unknownAIPL, unknownPyr
	}
	for i, tier := range tierOf {
		if c := tierSrc.id(i); c >= 0 {
			custTier[c] = tier
			st.TieredCustomers++
		}
	}
	for i := range aiplOf {
		if c := stageSrc.id(i); c >= 0 {
			custAIPL[c], custPyr[c] = aiplOf[i], pyrOf[i]
			st.StagedCustomers++
		}
	}
	aCust := make([]int32, nAcct)
	for a := range aCust {
		aCust[a] = -1
		if p := aAcctPos[a]; p >= 0 {
			aCust[a] = acctCustSrc.id(int(p))
		} else if p := aIntPos[a]; p >= 0 {
			aCust[a] = intSrc.id(int(p))
		}
	}
	// Interactions account by account, in sequence (a counting sort of
	// x's rows by account, which lets them go).
	type interaction struct {
		month, cat int32
		action     int8
	}
	asOfMonth := cal.AsOfMonth()
	minMonth := asOfMonth
	byAcct := csr{start: make([]int32, nAcct+1)}
	for _, r := range x.rows {
		byAcct.start[xRows.id(int(r.acct))+1]++
		minMonth = min(minMonth, r.month)
	}
	for a := 0; a < nAcct; a++ {
		byAcct.start[a+1] += byAcct.start[a]
	}
	ints := make([]interaction, len(x.rows))
	fill := make([]int32, nAcct)
	copy(fill, byAcct.start[:nAcct])
	for _, r := range x.rows {
		a := xRows.id(int(r.acct))
		ints[fill[a]] = interaction{r.month, r.cat, r.action}
		fill[a]++
	}
	x.rows, fill = nil, nil
	st.Accounts = int64(nAcct)
	cats := x.cats

	for _, f := range aFollow {
		if f != math.MinInt64 {
			minMonth = min(minMonth, monthOfDay(cal.Day(f)))
		}
	}
	nMonths := asOfMonth - minMonth + 1

	// Key space.
	nCat, nReg := int32(cats.len()), int32(d.regions.len())+1
	type block struct {
		name     string
		base, n  int32
		key, sub func(int32) string
	}
	blocks := []block{{name: DimTotal, n: 1, key: func(int32) string { return "all" }}}
	add := func(name string, n int32, key func(int32) string) {
		last := blocks[len(blocks)-1]
		blocks = append(blocks, block{name: name, base: last.base + last.n, n: n, key: key})
	}
	regName := func(k int32) string { return d.regionName(k - 1) }
	add(DimCategory, nCat, cats.name)
	add(DimRegion, nReg, regName)
	add(DimRFMTier, int32(tierNames.len()), tierNames.name)
	add(DimAIPLStage, int32(aiplNames.len()), aiplNames.name)
	add(DimPyramidStage, int32(pyrNames.len()), pyrNames.name)
	add(DimRegionCategory, nReg*nCat, func(k int32) string { return regName(k / nCat) })
	blocks[len(blocks)-1].sub = func(k int32) string { return cats.name(k % nCat) }
	last := blocks[len(blocks)-1]
	G := last.base + last.n
	catBase, regBase, tierBase, aiplBase, pyrBase, rcBase := blocks[1].base, blocks[2].base, blocks[3].base, blocks[4].base, blocks[5].base, blocks[6].base

	acc := make([]engageAcc, int(nMonths)*int(G))
	lastAcct := make([]int32, len(acc))
	lastCust := make([]int32, len(acc))
	for i := range lastAcct {
		lastAcct[i], lastCust[i] = -1, -1
	}
	acctByCust := buildCSR(aCust, d.nCust())
	var keys [7]int32
	visit := func(a, c int32) {
		items := ints[byAcct.start[a]:byAcct.start[a+1]]
		if len(items) == 0 {
			return
		}
		reg, tier, aipl, pyr := int32(-1), unknownTier, unknownAIPL, unknownPyr
		if c >= 0 {
			reg, tier, aipl, pyr = d.custRegion[c], custTier[c], custAIPL[c], custPyr[c]
		} else {
			st.UnlinkedInteractions += int64(len(items))
		}
		for ix := range items {
			it := &items[ix]
			row := (it.month - minMonth) * G
			cat := it.cat
			keys = [7]int32{0, catBase + cat, regBase + reg + 1, tierBase + tier, aiplBase + aipl, pyrBase + pyr, rcBase + (reg+1)*nCat + cat}
			for _, k := range keys {
				g := row + k
				e := &acc[g]
				e.n++
				if ac := it.action; ac >= 0 {
					e.actions[ac]++
				}
				if lastAcct[g] != a {
					lastAcct[g] = a
					e.users++
				}
				if c >= 0 && lastCust[g] != c {
					lastCust[g] = c
					e.customers++
				}
			}
		}
	}
	for c := int32(0); c < int32(d.nCust()); c++ {
		for _, a := range acctByCust.items(c) {
			visit(a, c)
		}
	}
	for a := int32(0); a < int32(nAcct); a++ {
		if aCust[a] < 0 {
			visit(a, -1)
		} else {
			st.LinkedAccounts++
		}
	}

	// Followers per platform (index 0 = all, p+1 = platform p).
	nPlat := int32(platforms.len())
	fol := make([]followAcc, int(nMonths)*int(nPlat+1))
	for a := range aPlat {
		f := aFollow[a]
		if f == math.MinInt64 {
			continue
		}
		st.Followers++
		c := aCust[a]
		linked := int64(0)
		if c >= 0 {
			linked = 1
		}
		converted := int64(0)
		if c >= 0 {
			items := b.byCust.items(c)
			if j := b.firstAtOrAfter(items, f); j < len(items) && b.ts[items[j]] < f+convUS {
				converted = 1
			}
		}
		mf := monthOfDay(cal.Day(f)) - minMonth
		for _, p := range [2]int32{0, aPlat[a] + 1} {
			x := &fol[mf*(nPlat+1)+p]
			x.delta++
			x.linkedDelta += linked
			x.newF++
			x.linkedNew += linked
			x.converted += converted
			if u := aUnfollow[a]; u != math.MinInt64 && u >= f {
				y := &fol[(monthOfDay(cal.Day(u))-minMonth)*(nPlat+1)+p]
				y.delta--
				y.linkedDelta -= linked
			}
		}
	}

	w := newWriter(SocialSchema, opt.AsOf)
	followers := make([]int64, nPlat+1)
	linkedF := make([]int64, nPlat+1)
	for mi := int32(0); mi < nMonths; mi++ {
		period := Period(mi + minMonth)
		row := mi * G
		total := acc[row].n
		for _, blk := range blocks {
			ks := make([]int32, 0, blk.n)
			for k := int32(0); k < blk.n; k++ {
				if acc[row+blk.base+k].n > 0 || blk.name == DimTotal {
					ks = append(ks, k)
				}
			}
			rank := map[int32]int64{}
			if blk.name == DimRegionCategory {
				// rank categories within each region by interactions
				sort.Slice(ks, func(i, j int) bool {
					ri, rj := ks[i]/nCat, ks[j]/nCat
					if ri != rj {
						return regName(ri) < regName(rj)
					}
					ni, nj := acc[row+blk.base+ks[i]].n, acc[row+blk.base+ks[j]].n
					if ni != nj {
						return ni > nj
					}
					return cats.name(ks[i]%nCat) < cats.name(ks[j]%nCat)
				})
				r, prevReg := int64(0), int32(-1)
				for _, k := range ks {
					if k/nCat != prevReg {
						r, prevReg = 0, k/nCat
					}
					r++
					rank[k] = r
				}
			} else {
				sort.Slice(ks, func(i, j int) bool { return blk.key(ks[i]) < blk.key(ks[j]) })
			}
			for _, k := range ks {
				e := &acc[row+blk.base+k]
				rk, hasRank := rank[k]
				sub, regTotal, catTotal := "", int64(0), int64(0)
				if blk.sub != nil {
					sub, regTotal, catTotal = blk.sub(k), acc[row+regBase+k/nCat].n, acc[row+catBase+k%nCat].n
				}
				writeSocialRow(w, period, blk.name, blk.key(k), sub, blk.sub != nil, e, total, regTotal, catTotal, rk, hasRank)
			}
		}
		for p := int32(0); p <= nPlat; p++ {
			x := &fol[mi*(nPlat+1)+p]
			followers[p] += x.delta
			linkedF[p] += x.linkedDelta
			if p > 0 && followers[p] == 0 && x.newF == 0 && x.delta == 0 {
				continue
			}
			key := "all"
			if p > 0 {
				key = platforms.name(p - 1)
			}
			writeFollowersRow(w, period, key, followers[p], linkedF[p], x.newF, x.linkedNew, x.converted, convDays)
		}
	}
	return w.done(), st, nil
}

// writeSocialRow writes one interaction row of SocialSchema: e's counts, its
// share of the month's interactions (total), and for a region × category
// row (bySub) its share of the region's (regTotal) against the category's
// share of all (catTotal), their index and the category's rank.
func writeSocialRow(w *writer, period, dim, key, sub string, bySub bool, e *engageAcc, total, regTotal, catTotal, rank int64, hasRank bool) {
	w.row()
	w.str(period)
	w.str(dim)
	w.str(key)
	w.str(sub)
	share, overall, index := ratio(float64(e.n), float64(total)), math.NaN(), math.NaN()
	if bySub {
		share = ratio(float64(e.n), float64(regTotal))
		overall = ratio(float64(catTotal), float64(total))
		index = 100 * share / overall
	}
	w.i64(e.n)
	for _, v := range e.actions {
		w.i64(v)
	}
	w.i64(e.users)
	w.i64(e.customers)
	w.f64(share)
	w.f64(overall)
	w.f64(index)
	w.i64n(rank, hasRank)
	for range 7 { // the followers columns
		w.null()
	}
}

// writeFollowersRow writes one followers row of SocialSchema (key "all" or a
// platform); its interaction columns are null.
func writeFollowersRow(w *writer, period, key string, followers, linked, newF, linkedNew, converted int64, convDays int) {
	w.row()
	w.str(period)
	w.str(DimFollowers)
	w.str(key)
	w.str("")
	for range 12 {
		w.null()
	}
	w.i64(followers)
	w.i64(linked)
	w.i64(newF)
	w.i64(linkedNew)
	w.i64(converted)
	w.f64(ratio(float64(converted), float64(newF)))
	w.i64(int64(convDays))
}
