package lifecycle

import (
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Inputs are the event tables, each a list of Arrow record batches with the
// named columns (extra columns are ignored). Customer ids are utf8; a NULL
// or empty customer_id makes an order an anonymous receipt and any other row
// ignored. Timestamps are Arrow timestamps (any unit, instants). channel
// columns are optional utf8; an empty or NULL channel is ChannelUnknown.
type Inputs struct {
	// Orders: customer_id, order_ts, channel. Every row is one purchase.
	Orders []arrow.RecordBatch
	// Interactions: customer_id, ts, action (view, like, comment, share,
	// click; other actions are ignored), channel (the platform).
	Interactions []arrow.RecordBatch
	// Follows: customer_id, followed_ts, unfollowed_ts (NULL: still
	// follows), channel (the platform). One row per social account.
	Follows []arrow.RecordBatch
	// Contacts: customer_id, contacted_ts, channel (the campaign's
	// channel). Only deliveries belong here: the glue leaves out control
	// group rows.
	Contacts []arrow.RecordBatch
}

// CustomerStage is one customer's stage at the as-of date.
type CustomerStage struct {
	CustomerID string
	// Pyramid is the fine stage; AIPL the coarse one (Pyramid.AIPL()).
	Pyramid Stage
	AIPL    AIPLStage
	// Channel is the channel of the customer's most recent purchase up to
	// the as-of day, or, for a customer who never bought, of the most
	// recent other event (interaction, follow, contact).
	Channel string
	// Prev is the pyramid stage at the previous date (NoStage: an entry).
	Prev Stage
}

// Count is one row of the stage counts: customers of a view's stage in a
// channel (ChannelAll: across channels) at the as-of date. For Stage ==
// StageAnonymousOrders, Customers holds the number of anonymous receipts
// in the purchase window instead.
type Count struct {
	View, Channel, Stage string
	Customers            int64
}

// Flow is one cell of a view's transition matrix between the previous date
// and the as-of date. From is FromNew for entries and To is ToLost for
// losses. Rate is Customers / N_From(previous date); HasRate is false for
// entries and when no customer was in From at the previous date.
type Flow struct {
	View, From, To string
	Customers      int64
	Rate           float64
	HasRate        bool
}

// Result holds the stages at the as-of date, the stage counts and the flows
// from the previous date.
type Result struct {
	// AsOf and PrevAsOf are the two dates (00:00 in the params' location).
	AsOf, PrevAsOf time.Time
	// Customers lists every customer with a stage at AsOf, in an order
	// that depends only on the inputs (hash partition, then first
	// appearance).
	Customers []CustomerStage
	// Counts has, for each view, channel ("all" first, then the channels
	// sorted) and stage in funnel order, a row (zeros included), followed
	// by the anonymous receipts row of that view and channel.
	Counts []Count
	// Flows has, for each view, every cell (From x To) of the matrix
	// except new -> lost: From in new + the view's stages, To in its stages
	// + lost.
	Flows []Flow
	// AnonymousOrders counts anonymous receipts in the purchase window
	// ending at AsOf (all channels).
	AnonymousOrders int64
	// KnownCustomers is the number of distinct customer ids with at least
	// one event before the end of the later date.
	KnownCustomers int
	// Events is the number of events used; Ignored the rows left out
	// (NULL time, unknown action, follow without followed_ts).
	Events, Ignored int64
}

// Event kinds, in the order they sort within one second.
const (
	kPurchase uint8 = 1 + iota
	kContact
	kView
	kFollow
	kInteract
	kShare
)

// Events are packed as (seconds + secBias) << 24 | kind << 16 | channel so
// that sorting the keys sorts by time.
const (
	secBias = int64(1) << 38
	minSec  = -secBias
	maxSec  = secBias - 1
	maxChan = math.MaxUint16
)

func packKey(sec int64, kind uint8, ch uint16) uint64 {
	return uint64(sec+secBias)<<24 | uint64(kind)<<16 | uint64(ch)
}

func keySec(k uint64) int64 { return int64(k>>24) - secBias }

func keyKind(k uint64) uint8 { return uint8(k >> 16) }

func keyCh(k uint64) uint16 { return uint16(k) }

// window is one date's window boundaries in Unix seconds: [sX, end).
type window struct{ end, sA, sI, sP int64 }

func newWindow(d time.Time, p Params) window {
	y, m, dd := d.Date()
	at := func(days int) int64 { return time.Date(y, m, dd+1-days, 0, 0, 0, 0, p.Location).Unix() }
	return window{end: at(0), sA: at(p.AwareDays), sI: at(p.InterestDays), sP: at(p.PurchaseDays)}
}

// asDate returns t's calendar date at 00:00 in loc.
func asDate(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Compute assigns stages at asOf and prevAsOf (calendar dates in
// p.Location; an event counts for date D when it happened before 00:00 of
// D+1) and returns the stages at asOf, the stage counts at asOf and the
// transition matrix from prevAsOf to asOf. A window of N days ending on D
// is [00:00 of D+1-N, 00:00 of D+1), N calendar days with D included.
//
// Pyramid stage at D, the first rule that holds:
//
//	advocate       bought in PurchaseDays and shared >= AdvocateShares times in InterestDays
//	loyal          bought on >= LoyalMinDays distinct days in PurchaseDays
//	repeat         bought in PurchaseDays, and on 2+ distinct days up to D
//	first_purchase bought in PurchaseDays, on exactly one day up to D
//	interested     liked, commented, shared, clicked or followed in InterestDays, or follows at the end of D
//	aware          target campaign contact or content view in AwareDays
//
// AIPL stage: A = aware, I = interested, P = first_purchase or repeat, L =
// loyal or advocate. Days of purchases are calendar days in p.Location.
// Anonymous receipts are counted apart; customers without a stage at a date
// are in no stage (from_stage new / to_stage lost in the flows).
func Compute(in Inputs, asOf, prevAsOf time.Time, p Params) (*Result, error) {
	rows := rowsOf(in.Orders) + rowsOf(in.Interactions) + rowsOf(in.Follows) + rowsOf(in.Contacts)
	c, err := NewCollector(asOf, prevAsOf, p, rows)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		recs []arrow.RecordBatch
		add  func(arrow.RecordBatch) error
	}{{in.Orders, c.AddOrders}, {in.Interactions, c.AddInteractions}, {in.Follows, c.AddFollows}, {in.Contacts, c.AddContacts}} {
		for _, rec := range s.recs {
			if err := s.add(rec); err != nil {
				return nil, err
			}
		}
	}
	return c.Compute()
}

// Collector is Compute in steps, for a caller that reads its inputs one
// after the other: it takes the batches of each input (the columns of
// Inputs) with AddOrders, AddInteractions, AddFollows and AddContacts, in
// any order and any number of times, and Compute then runs the model.
// Each Add keeps only what the model needs of a batch (a packed event and
// the customer id per row), so the caller may release the batch as soon
// as Add returns. The stages, counts and flows do not depend on how the
// rows were split into batches or on rowsHint; the order of
// Result.Customers does.
type Collector struct {
	c      *collector
	m      *model
	d1, d2 time.Time
	w1, w2 window
	n      [4]int // batches added per input, for errors
	done   bool
}

// NewCollector returns a Collector for the dates asOf and prevAsOf (as
// Compute). rowsHint is about the number of rows all the batches will
// hold: it sizes the partitions the customers are spread over.
func NewCollector(asOf, prevAsOf time.Time, p Params, rowsHint int) (*Collector, error) {
	if p.Location == nil {
		p.Location = time.UTC
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	d2, d1 := asDate(asOf, p.Location), asDate(prevAsOf, p.Location)
	if d1.After(d2) {
		return nil, fmt.Errorf("lifecycle: previous date %s is after the as-of date %s", d1.Format(time.DateOnly), d2.Format(time.DateOnly))
	}
	w1, w2 := newWindow(d1, p), newWindow(d2, p)
	c := newCollector(w2.end, w2.sP, max(rowsHint, 0))
	m := &model{p: p, chNames: c.chNames, days: newDayTable(min(w1.sP, w2.sP), w2.end, p.Location)}
	return &Collector{c: c, m: m, d1: d1, d2: d2, w1: w1, w2: w2}, nil
}

func (c *Collector) add(i int, name string, fn func(arrow.RecordBatch) error, rec arrow.RecordBatch) error {
	if c.done {
		return fmt.Errorf("lifecycle: %s batch added after Compute", name)
	}
	c.c.hasLast = false
	if err := fn(rec); err != nil {
		return fmt.Errorf("lifecycle: %s batch %d: %w", name, c.n[i], err)
	}
	c.n[i]++
	return nil
}

// AddOrders adds a batch of Inputs.Orders.
func (c *Collector) AddOrders(rec arrow.RecordBatch) error {
	return c.add(0, "orders", c.c.orders, rec)
}

// AddInteractions adds a batch of Inputs.Interactions.
func (c *Collector) AddInteractions(rec arrow.RecordBatch) error {
	return c.add(1, "interactions", c.c.interactions, rec)
}

// AddFollows adds a batch of Inputs.Follows.
func (c *Collector) AddFollows(rec arrow.RecordBatch) error {
	return c.add(2, "follows", c.c.follows, rec)
}

// AddContacts adds a batch of Inputs.Contacts.
func (c *Collector) AddContacts(rec arrow.RecordBatch) error {
	return c.add(3, "contacts", c.c.contacts, rec)
}

// Compute runs the model on the batches added; the Collector cannot be
// used after it.
func (c *Collector) Compute() (*Result, error) {
	if c.done {
		return nil, fmt.Errorf("lifecycle: Compute called twice")
	}
	c.done = true
	c.m.chNames = c.c.chNames
	return c.m.run(c.d1, c.d2, c.w1, c.w2, c.c)
}
