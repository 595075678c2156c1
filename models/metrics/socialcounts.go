package metrics

import (
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// SocialEngagementFromCounts renders the social_engagement mart from its
// sums, for a caller that keeps them up to date itself instead of reading
// every interaction (the incremental job). The rows are SocialEngagement's
// for the same interactions, accounts and tiers:
//
//   - counts (month INTEGER index year*12+month-1, dimension, key, subkey,
//     interactions, views, likes, comments, shares, clicks, users,
//     customers): one row per month and key of the interaction dimensions
//     (total, category, region, rfm_tier, aipl_stage, pyramid_stage,
//     region_category with key region and subkey category) that has
//     interactions, its counts as SocialSchema defines them; keys as the
//     mart writes them ('unknown' for none);
//   - follows (month, platform, new_followers, linked_new_followers,
//     converted_followers, unfollowed, linked_unfollowed): per platform
//     and month, the accounts that followed in the month (linked to a
//     customer, converted within the window) and those that unfollowed in
//     the month after following.
//
// Share, overall share, affinity index and rank are derived here, as are
// the running follower counts and the 'all' platform. Every month from the
// first interaction or follow to the as-of month has a total and an 'all'
// followers row, as in SocialEngagement. The caller releases the returned
// batches.
func SocialEngagementFromCounts(counts, follows []arrow.RecordBatch, opt SocialOptions) ([]arrow.RecordBatch, error) {
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, err
	}
	convDays := opt.ConversionDays
	if convDays <= 0 {
		convDays = DefaultConversionDays
	}
	type cell struct {
		dim, key, sub string
		acc           engageAcc
	}
	asOfMonth := cal.AsOfMonth()
	minMonth := asOfMonth
	byMonth := map[int32][]cell{}
	for bi, rec := range counts {
		cols, err := intCols(rec, "social counts", bi, "month", "interactions", "views", "likes", "comments", "shares", "clicks", "users", "customers")
		if err != nil {
			return nil, err
		}
		t := table{name: "social counts", rec: rec}
		var strs [3]*strCol
		for i, name := range []string{"dimension", "key", "subkey"} {
			if strs[i], err = t.str(name, i < 2); err != nil {
				return nil, wrapBatch("social counts", bi, err)
			}
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			m := int32(cols[0](i))
			if m > asOfMonth {
				return nil, fmt.Errorf("metrics: social counts batch %d row %d: month %s after the as-of month %s: %w", bi, i, Period(m), Period(asOfMonth), ErrBadColumn)
			}
			c := cell{dim: clone(strs[0].at(i)), key: clone(strs[1].at(i)), sub: clone(strs[2].at(i))}
			c.acc.n = cols[1](i)
			for a := range c.acc.actions {
				c.acc.actions[a] = cols[2+a](i)
			}
			c.acc.users, c.acc.customers = cols[7](i), cols[8](i)
			if c.acc.n == 0 {
				continue
			}
			minMonth = min(minMonth, m)
			byMonth[m] = append(byMonth[m], c)
		}
	}
	type follow struct{ newF, linkedNew, converted, unf, linkedUnf int64 }
	fol := map[int32]map[string]*follow{}
	platSet := map[string]bool{}
	for bi, rec := range follows {
		cols, err := intCols(rec, "social follows", bi, "month", "new_followers", "linked_new_followers", "converted_followers", "unfollowed", "linked_unfollowed")
		if err != nil {
			return nil, err
		}
		plat, err := (table{name: "social follows", rec: rec}).str("platform", true)
		if err != nil {
			return nil, wrapBatch("social follows", bi, err)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			m := int32(cols[0](i))
			if m > asOfMonth {
				return nil, fmt.Errorf("metrics: social follows batch %d row %d: month %s after the as-of month %s: %w", bi, i, Period(m), Period(asOfMonth), ErrBadColumn)
			}
			p := orUnknown(plat.at(i))
			platSet[p] = true
			if fol[m] == nil {
				fol[m] = map[string]*follow{}
			}
			f := fol[m][p]
			if f == nil {
				f = &follow{}
				fol[m][p] = f
			}
			f.newF += cols[1](i)
			f.linkedNew += cols[2](i)
			f.converted += cols[3](i)
			f.unf += cols[4](i)
			f.linkedUnf += cols[5](i)
			if cols[1](i) > 0 {
				minMonth = min(minMonth, m)
			}
		}
	}
	plats := make([]string, 0, len(platSet))
	for p := range platSet {
		plats = append(plats, p)
	}
	sort.Strings(plats)
	order := map[string]int{DimTotal: 0, DimCategory: 1, DimRegion: 2, DimRFMTier: 3, DimAIPLStage: 4, DimPyramidStage: 5, DimRegionCategory: 6}

	w := newWriter(SocialSchema, opt.AsOf)
	followers := make([]int64, len(plats)+1)
	linkedF := make([]int64, len(plats)+1)
	for m := minMonth; m <= asOfMonth; m++ {
		period := Period(m)
		cells := byMonth[m]
		var total engageAcc
		regTotal, catTotal := map[string]int64{}, map[string]int64{}
		for _, c := range cells {
			if _, ok := order[c.dim]; !ok {
				return nil, fmt.Errorf("metrics: social counts %s: unknown dimension %q: %w", period, c.dim, ErrBadColumn)
			}
			switch c.dim {
			case DimTotal:
				total = c.acc
			case DimRegion:
				regTotal[c.key] = c.acc.n
			case DimCategory:
				catTotal[c.key] = c.acc.n
			}
		}
		sort.Slice(cells, func(i, j int) bool {
			a, b := cells[i], cells[j]
			if a.dim != b.dim {
				return order[a.dim] < order[b.dim]
			}
			if a.key != b.key {
				return a.key < b.key
			}
			if a.acc.n != b.acc.n {
				return a.acc.n > b.acc.n
			}
			return a.sub < b.sub
		})
		if len(cells) == 0 || cells[0].dim != DimTotal {
			cells = append([]cell{{dim: DimTotal, key: "all"}}, cells...)
		}
		rank, prevReg := int64(0), ""
		for _, c := range cells {
			hasRank := c.dim == DimRegionCategory
			if hasRank {
				if rank == 0 || c.key != prevReg {
					rank, prevReg = 0, c.key
				}
				rank++
			}
			sub := ""
			if hasRank {
				sub = c.sub
			}
			writeSocialRow(w, period, c.dim, c.key, sub, hasRank, &c.acc, total.n, regTotal[c.key], catTotal[c.sub], rank, hasRank)
		}
		for p := 0; p <= len(plats); p++ {
			var x follow
			if p == 0 {
				for _, f := range fol[m] {
					x.newF += f.newF
					x.linkedNew += f.linkedNew
					x.converted += f.converted
					x.unf += f.unf
					x.linkedUnf += f.linkedUnf
				}
			} else if f := fol[m][plats[p-1]]; f != nil {
				x = *f
			}
			delta := x.newF - x.unf
			followers[p] += delta
			linkedF[p] += x.linkedNew - x.linkedUnf
			if p > 0 && followers[p] == 0 && x.newF == 0 && delta == 0 {
				continue
			}
			key := "all"
			if p > 0 {
				key = plats[p-1]
			}
			writeFollowersRow(w, period, key, followers[p], linkedF[p], x.newF, x.linkedNew, x.converted, convDays)
		}
	}
	return w.done(), nil
}

// intCols returns readers of rec's integer columns names (any Arrow
// integer width; null reads as 0).
func intCols(rec arrow.RecordBatch, what string, bi int, names ...string) ([]func(int) int64, error) {
	out := make([]func(int) int64, len(names))
	for i, name := range names {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("metrics: %s batch %d: no column %s: %w", what, bi, name, ErrBadColumn)
		}
		switch a := rec.Column(idx[0]).(type) {
		case *array.Int64:
			out[i] = func(r int) int64 { return a.Value(r) }
		case *array.Int32:
			out[i] = func(r int) int64 { return int64(a.Value(r)) }
		case *array.Int16:
			out[i] = func(r int) int64 { return int64(a.Value(r)) }
		case *array.Int8:
			out[i] = func(r int) int64 { return int64(a.Value(r)) }
		default:
			return nil, fmt.Errorf("metrics: %s batch %d: column %s is %s, want an integer: %w", what, bi, name, a.DataType(), ErrBadColumn)
		}
	}
	return out, nil
}
