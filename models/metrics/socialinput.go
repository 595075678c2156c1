package metrics

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// SocialInteractions is social_interactions reduced to what
// SocialEngagement counts: per interaction up to the as-of day its account
// (platform, openid), month, content category and action; per account the
// customer of its first interaction that names one. It is filled batch by
// batch (Add) and keeps nothing of a batch once Add returns, so a caller
// can read the interactions in chunks and release each chunk before
// reading the next: the interactions are then never all held as Arrow
// batches at once.
type SocialInteractions struct {
	cal     *Calendar
	plats   *interner // platform names (empty: Unknown)
	cats    *interner // content categories (empty: Unknown)
	acct    map[socialAccount]int32
	acctOID []string
	acctPl  []int32
	acctCus []string // customer of the account's first interaction with one, "" none
	rows    []socialRow
	// all counts every row added, later the rows after the as-of day or
	// without a time.
	all, later int64
	batches    int
	used       bool
}

type socialAccount struct {
	plat int32
	oid  string
}

// socialRow is one interaction: account (index in SocialInteractions),
// month (months since year 0), category id and action (-1: none of the
// five).
type socialRow struct {
	acct, month, cat int32
	action           int8
}

// NewSocialInteractions starts an empty SocialInteractions for the as-of
// date and time zone of c (those of the SocialOptions it is used with).
func NewSocialInteractions(c Common) (*SocialInteractions, error) {
	cal, err := NewCalendar(c)
	if err != nil {
		return nil, err
	}
	return &SocialInteractions{cal: cal, plats: newInterner(8), cats: newInterner(64), acct: map[socialAccount]int32{}}, nil
}

// Add adds a batch of social_interactions (platform, openid, ts, action,
// content_category; optional customer_id). Rows after the as-of day or
// without ts are counted and otherwise left out, as are rows without an
// openid (counted among the interactions, in no row of the mart).
func (x *SocialInteractions) Add(rec arrow.RecordBatch) error {
	bi := x.batches
	x.batches++
	t := table{name: "social_interactions", rec: rec}
	plat, err := t.str("platform", true)
	if err != nil {
		return wrapBatch("social_interactions", bi, err)
	}
	oid, err := t.str("openid", true)
	if err != nil {
		return wrapBatch("social_interactions", bi, err)
	}
	ts, err := t.ts("ts", true, x.cal)
	if err != nil {
		return wrapBatch("social_interactions", bi, err)
	}
	act, err := t.str("action", false)
	if err != nil {
		return wrapBatch("social_interactions", bi, err)
	}
	cat, err := t.str("content_category", false)
	if err != nil {
		return wrapBatch("social_interactions", bi, err)
	}
	cust, err := t.str("customer_id", false)
	if err != nil {
		return wrapBatch("social_interactions", bi, err)
	}
	n := int(rec.NumRows())
	x.all += int64(n)
	prevPlat, prevPlatID := "", int32(-1)
	prevCat, prevCatID := "", int32(-1)
	prevAct, prevActID := "", int8(-1)
	prevOID, prevAcct := "", int32(-1)
	for i := 0; i < n; i++ {
		if !ts.valid(i) || ts.at(i) >= x.cal.endUS {
			x.later++
			continue
		}
		o := oid.at(i)
		if o == "" {
			continue
		}
		ps := plat.at(i)
		if prevPlatID < 0 || ps != prevPlat {
			prevPlat, prevPlatID, prevAcct = ps, x.plats.id(orUnknown(ps)), -1
		}
		if prevAcct < 0 || o != prevOID {
			prevOID, prevAcct = o, x.account(prevPlatID, o)
		}
		a := prevAcct
		if x.acctCus[a] == "" {
			if c := cust.at(i); c != "" {
				x.acctCus[a] = clone(c)
			}
		}
		cs := cat.at(i)
		if prevCatID < 0 || cs != prevCat {
			prevCat, prevCatID = cs, x.cats.id(orUnknown(cs))
		}
		as := act.at(i)
		if as != prevAct || i == 0 {
			prevAct, prevActID = as, actionIndex(as)
		}
		x.rows = append(x.rows, socialRow{acct: a, month: monthOfDay(x.cal.Day(ts.at(i))), cat: prevCatID, action: prevActID})
	}
	return nil
}

// account returns the index of the account (platform id, openid), adding
// it when new.
func (x *SocialInteractions) account(plat int32, oid string) int32 {
	k := socialAccount{plat, oid}
	if a, ok := x.acct[k]; ok {
		return a
	}
	k.oid = clone(oid)
	a := int32(len(x.acctOID))
	x.acct[k] = a
	x.acctOID = append(x.acctOID, k.oid)
	x.acctPl = append(x.acctPl, plat)
	x.acctCus = append(x.acctCus, "")
	return a
}

// Link sets the customer of accounts added so far whose interactions name
// none, from a batch of (platform, openid, customer_id) rows: the first
// row with a customer for an account wins; rows of other accounts are
// ignored. A caller that reads the interactions without their customer_id
// adds them first and links them after, to the same result as reading
// them with it when every interaction of an account names the same
// customer (as the core view social_interactions does, by account).
func (x *SocialInteractions) Link(rec arrow.RecordBatch) error {
	t := table{name: "social_interaction_links", rec: rec}
	plat, err := t.str("platform", true)
	if err != nil {
		return err
	}
	oid, err := t.str("openid", true)
	if err != nil {
		return err
	}
	cust, err := t.str("customer_id", true)
	if err != nil {
		return err
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		c, o := cust.at(i), oid.at(i)
		if c == "" || o == "" {
			continue
		}
		p, ok := x.plats.find(orUnknown(plat.at(i)))
		if !ok {
			continue
		}
		if a, ok := x.acct[socialAccount{p, o}]; ok && x.acctCus[a] == "" {
			x.acctCus[a] = clone(c)
		}
	}
	return nil
}

// Platforms are the platform names of the accounts added so far (an empty
// one is Unknown).
func (x *SocialInteractions) Platforms() []string { return append([]string(nil), x.plats.names...) }

// Len is the number of interactions added, including those left out.
func (x *SocialInteractions) Len() int64 { return x.all }

// take hands the interactions to SocialEngagement once.
func (x *SocialInteractions) take(cal *Calendar) error {
	if x.used {
		return fmt.Errorf("metrics: social interactions used twice: %w", ErrBadOptions)
	}
	if x.cal.endUS != cal.endUS || x.cal.asOfDay != cal.asOfDay || x.cal.loc.String() != cal.loc.String() {
		return fmt.Errorf("metrics: social interactions were read for another as-of date or time zone: %w", ErrBadOptions)
	}
	x.used = true
	return nil
}
