package metrics

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// LineColumns lists the columns read from order line batches. channel,
// order_id, order_ts, sku, qty and paid_amount are required; customer_id,
// store_id, status and refund_amount are optional (missing means anonymous,
// no store, not cancelled, no refund). The core table order_lines has them.
// An order is (channel, order_id); its customer and store are those of its
// first line (in input order) that has one, its date that of its earliest
// line.
var LineColumns = []string{"channel", "order_id", "order_ts", "customer_id", "store_id", "status", "sku", "qty", "paid_amount", "refund_amount"}

// LineStats counts what happened to the order lines read.
type LineStats struct {
	// Lines is the number of line rows read.
	Lines int64
	// CancelledLines have a cancelled status and are not sales.
	CancelledLines int64
	// LaterLines are dated after the as-of day and were ignored.
	LaterLines int64
	// UndatedLines have no order_ts and were ignored.
	UndatedLines int64
	// MissingCostLines are sold (not returned) lines whose SKU has no
	// unit cost in products; MissingCostSKUs names up to ten of them.
	MissingCostLines int64
	MissingCostSKUs  []string
	// ReturnedLines were refunded in full (units and cost not counted).
	ReturnedLines int64
}

// lineRec is one order line. A line is returned (refunded in full) when
// refund > 0 and net <= 0, i.e. refund >= paid.
type lineRec struct {
	net, refund float64
	prod        int32 // -1: SKU not in products
	qty         int32
}

func (l *lineRec) returned() bool { return l.refund > 0 && l.net <= 0 }

// lineBook is order lines with dense ids. After finish, orders are
// numbered customer by customer (anonymous orders last) and lines are
// stored order by order, so walking customers, their orders and their
// lines reads memory in sequence.
//
// The input is read in three passes to keep memory low (no row-aligned
// copy of the lines): scanLines hashes the order keys and numbers the
// orders, then finds each order's channel, day, store and customer;
// finish, once the customers are numbered, writes each line straight to
// its place.
type lineBook struct {
	d   *dims
	cal *Calendar

	// per order (after finish: in customer order)
	oChan   []int32
	oCust   []int32 // -1 anonymous
	oStore  []int32 // -1 none
	oDay    []int32 // earliest line's civil day
	oMonth  []int32
	oKey    []int32 // id in orderKeys (for the order_id)
	oStart  []int32 // lines of order o: lines[oStart[o]:oStart[o+1]]
	lines   []lineRec
	cStart  []int32 // orders of customer c: [cStart[c], cStart[c+1]); anonymous from cStart[nCust]
	nOrders int

	stats     LineStats
	orderKeys *keySet
	custSrc   *keySource
	custPos   []int32 // per order key: position in custSrc, -1 none

	cols   []lineCols
	rOrder []int32 // order key id per input row, -1: dropped (until finish)
}

// lineCols are the columns of one input batch.
type lineCols struct {
	rows                              int
	ch, oid, cust, store, status, sku *strCol
	ts                                *tsCol
	qty, paid, refund                 *numCol
}

func readLineCols(rec arrow.RecordBatch, cal *Calendar) (lineCols, error) {
	t := table{name: "order_lines", rec: rec}
	c := lineCols{rows: int(rec.NumRows())}
	var err error
	for _, f := range []struct {
		dst      **strCol
		name     string
		required bool
	}{{&c.ch, "channel", true}, {&c.oid, "order_id", true}, {&c.cust, "customer_id", false}, {&c.store, "store_id", false},
		{&c.status, "status", false}, {&c.sku, "sku", true}} {
		if *f.dst, err = t.str(f.name, f.required); err != nil {
			return c, err
		}
	}
	if c.ts, err = t.ts("order_ts", true, cal); err != nil {
		return c, err
	}
	for _, f := range []struct {
		dst      **numCol
		name     string
		required bool
	}{{&c.qty, "qty", true}, {&c.paid, "paid_amount", true}, {&c.refund, "refund_amount", false}} {
		if *f.dst, err = t.num(f.name, f.required); err != nil {
			return c, err
		}
	}
	return c, nil
}

// scanLines reads the lines, numbers the orders and adds each order's
// customer to d.custKeys; finish completes the book once those are built.
func scanLines(recs []arrow.RecordBatch, d *dims, cal *Calendar, cancelled []string) (*lineBook, error) {
	n := numRows(recs)
	b := &lineBook{d: d, cal: cal}
	b.orderKeys = newKeySet(n)
	orderSrc := b.orderKeys.source()
	endUS := cal.endUS
	rowOff := make([]int, len(recs)+1)
	for bi, rec := range recs {
		c, err := readLineCols(rec, cal)
		if err != nil {
			return nil, wrapBatch("order_lines", bi, err)
		}
		b.cols = append(b.cols, c)
		orderSrc.batchRows(c.oid, c.rows)
		rowOff[bi+1] = rowOff[bi] + c.rows
	}
	// Pass 1 (two workers, each a range of batches): which rows count,
	// and the hashes of their order keys. The channel's namespace is a
	// hash of its name, so the workers share no state.
	h1, h2 := orderSrc.slots()
	type counts struct{ lines, undated, later, cancelled int64 }
	wc := make([]counts, workers())
	runRanges(len(wc), len(recs), func(w, lo, hi int) {
		canc := newCancelSet(cancelled)
		var ct counts
		keys := b.orderKeys
		for bi := lo; bi < hi; bi++ {
			c := &b.cols[bi]
			a1, a2 := h1[rowOff[bi]:rowOff[bi+1]], h2[rowOff[bi]:rowOff[bi+1]]
			ct.lines += int64(c.rows)
			prevChStr, prevNS := "", uint64(0)
			for i := 0; i < c.rows; i++ {
				switch {
				case !c.ts.valid(i):
					ct.undated++
				case c.ts.at(i) >= endUS:
					ct.later++
				case c.status.valid(i) && canc.cancelled(c.status.at(i)):
					ct.cancelled++
				default:
					cs := c.ch.at(i)
					if prevNS == 0 || cs != prevChStr {
						prevNS, prevChStr = keys.namespace(orUnknown(cs)), cs
					}
					a1[i], a2[i] = keys.hash(prevNS, c.oid.at(i))
					continue
				}
				a1[i], a2[i] = 0, 0
			}
		}
		wc[w] = ct
	})
	for _, ct := range wc {
		b.stats.Lines += ct.lines
		b.stats.UndatedLines += ct.undated
		b.stats.LaterLines += ct.later
		b.stats.CancelledLines += ct.cancelled
	}
	b.orderKeys.build()
	b.rOrder = b.orderKeys.ids
	nOrders := b.orderKeys.len()
	b.nOrders = nOrders
	b.oChan = make([]int32, nOrders)
	b.oStore = make([]int32, nOrders)
	b.oDay = make([]int32, nOrders)
	b.custPos = make([]int32, nOrders)
	for o := range b.oStore {
		b.oChan[o], b.oStore[o], b.oDay[o], b.custPos[o] = -1, -1, math.MaxInt32, -1
	}
	// Pass 2: channel, earliest day, first store and first customer of
	// each order.
	b.custSrc = d.custKeys.source()
	custCols := make([]*strCol, len(b.cols))
	p := 0
	for bi := range b.cols {
		c := &b.cols[bi]
		custCols[bi] = c.cust
		prevChStr, prevCh := "", int32(-1)
		prevStore, prevStoreID := "", int32(-1)
		for i := 0; i < c.rows; i, p = i+1, p+1 {
			o := b.rOrder[p]
			if o < 0 {
				continue
			}
			if b.oChan[o] < 0 {
				cs := c.ch.at(i)
				if prevCh < 0 || cs != prevChStr {
					prevCh, prevChStr = d.channels.id(orUnknown(cs)), cs
				}
				b.oChan[o] = prevCh
			}
			b.oDay[o] = min(b.oDay[o], cal.Day(c.ts.at(i)))
			if b.oStore[o] < 0 && c.store.valid(i) {
				if v := c.store.at(i); v != "" {
					if prevStoreID < 0 || v != prevStore {
						prevStore, prevStoreID = v, d.storeID(v)
					}
					b.oStore[o] = prevStoreID
				}
			}
			if b.custPos[o] < 0 && c.cust.valid(i) {
				if v := c.cust.at(i); v != "" {
					b.custPos[o] = int32(b.custSrc.addRef(0, v, bi, i))
				}
			}
		}
	}
	b.custSrc.refBatches(custCols)
	return b, nil
}

// finish sets the orders' customers once the customer keys are built,
// renumbers the orders customer by customer and writes the lines order by
// order (pass 3 over the input).
func (b *lineBook) finish() {
	nOrders, nCust := b.nOrders, b.d.nCust()
	cust := make([]int32, nOrders)
	b.cStart = make([]int32, nCust+2)
	for o, pos := range b.custPos {
		c := int32(-1)
		if pos >= 0 {
			c = b.custSrc.id(int(pos))
		}
		cust[o] = c
		if c < 0 {
			b.cStart[nCust+1]++
		} else {
			b.cStart[c+1]++
		}
	}
	b.custPos = nil
	for c := 0; c <= nCust; c++ {
		b.cStart[c+1] += b.cStart[c]
	}
	next := make([]int32, nCust+1)
	copy(next, b.cStart[:nCust+1])
	newOf := make([]int32, nOrders)
	b.oKey = make([]int32, nOrders)
	for o, c := range cust {
		if c < 0 {
			c = int32(nCust)
		}
		newOf[o] = next[c]
		b.oKey[next[c]] = int32(o)
		next[c]++
	}
	next = nil
	permute := func(v []int32) []int32 {
		out := make([]int32, len(v))
		for o, x := range v {
			out[newOf[o]] = x
		}
		return out
	}
	b.oCust = permute(cust)
	b.oChan = permute(b.oChan)
	b.oStore = permute(b.oStore)
	b.oDay = permute(b.oDay)
	b.oMonth = make([]int32, nOrders)
	for o, d := range b.oDay {
		b.oMonth[o] = monthOfDay(d)
	}
	// Pass 3: each line straight to its place, order by order.
	b.oStart = make([]int32, nOrders+1)
	for _, o := range b.rOrder {
		if o >= 0 {
			b.oStart[newOf[o]+1]++
		}
	}
	for o := 0; o < nOrders; o++ {
		b.oStart[o+1] += b.oStart[o]
	}
	// The lines go first to buckets of consecutive orders (few write
	// streams, in sequence), then each bucket, small enough to stay in
	// cache, is spread to its orders; the buckets are independent.
	nl := int(b.oStart[nOrders])
	b.lines = make([]lineRec, nl)
	shift := uint(0)
	for nOrders>>shift > 1 && (nl>>14) < (nOrders>>shift) {
		shift++
	}
	nb := (nOrders >> shift) + 1
	bStart := make([]int32, nb+1)
	for k := 0; k <= nb; k++ {
		bStart[k] = b.oStart[min(k<<shift, nOrders)]
	}
	bpos := make([]int32, nb)
	copy(bpos, bStart[:nb])
	dst := make([]int32, nl)
	var missing examples
	prodCost := b.d.prodCost
	p := 0
	for bi := range b.cols {
		c := &b.cols[bi]
		prevSKU, prevProd := "", int32(-1)
		for i := 0; i < c.rows; i, p = i+1, p+1 {
			o := b.rOrder[p]
			if o < 0 {
				continue
			}
			s := c.sku.at(i)
			if s != prevSKU || i == 0 {
				pr, ok := b.d.prod.find(s)
				if !ok {
					pr = -1
				}
				prevSKU, prevProd = s, pr
			}
			q := c.qty.at(i)
			if math.IsNaN(q) {
				q = 0
			}
			pa := c.paid.at(i)
			if math.IsNaN(pa) {
				pa = 0
			}
			rf := c.refund.at(i)
			if math.IsNaN(rf) {
				rf = 0
			}
			n := newOf[o]
			k := n >> shift
			j := bpos[k]
			bpos[k]++
			dst[j] = n
			l := &b.lines[j]
			*l = lineRec{net: pa - rf, refund: rf, prod: prevProd, qty: int32(q)}
			if l.returned() {
				b.stats.ReturnedLines++
			} else if prevProd < 0 || math.IsNaN(prodCost[prevProd]) {
				b.stats.MissingCostLines++
				missing.add(s, 10)
			}
		}
	}
	parallel(nb, func(lo, hi int) {
		var tmp []lineRec
		next := make([]int32, 1<<shift)
		for k := lo; k < hi; k++ {
			a, z := bStart[k], bStart[k+1]
			if a == z {
				continue
			}
			ko, ke := min(k<<shift, nOrders), min((k+1)<<shift, nOrders)
			copy(next, b.oStart[ko:ke])
			tmp = append(tmp[:0], b.lines[a:z]...)
			for j, n := range dst[a:z] {
				x := &next[int(n)-ko]
				b.lines[*x] = tmp[j]
				*x++
			}
		}
	})
	b.stats.MissingCostSKUs = missing.list
	b.rOrder, b.cols = nil, nil
}

// readLines is scanLines, the customers build and finish, for metrics
// whose other customer sources were added to d.custKeys before.
func readLines(recs []arrow.RecordBatch, d *dims, cal *Calendar, cancelled []string) (*lineBook, error) {
	b, err := scanLines(recs, d, cal, cancelled)
	if err != nil {
		return nil, err
	}
	d.buildCustomers()
	b.finish()
	return b, nil
}

// orderLines returns the lines of order o.
func (b *lineBook) orderLines(o int32) []lineRec { return b.lines[b.oStart[o]:b.oStart[o+1]] }

// custOrders returns the range of orders of customer c (c = nCust: the
// anonymous orders).
func (b *lineBook) custOrders(c int32) (int32, int32) { return b.cStart[c], b.cStart[c+1] }

// orderID returns the order_id of order o (a copy).
func (b *lineBook) orderID(o int32) string { return b.orderKeys.name(b.oKey[o]) }

// orderAgg is one order's lines summed.
type orderAgg struct {
	units        int64
	net          float64 // paid - refund over its lines
	costedNet    float64 // net of lines with a known cost (or returned)
	cost         float64
	refund       float64
	missingLines int64
}

// addLine adds line l to a.
func (b *lineBook) addLine(a *orderAgg, l *lineRec) {
	a.net += l.net
	a.refund += l.refund
	if l.returned() {
		a.costedNet += l.net
		return
	}
	a.units += int64(l.qty)
	if l.prod >= 0 {
		if c := b.d.prodCost[l.prod]; c == c { // not NaN
			a.costedNet += l.net
			a.cost += c * float64(l.qty)
			return
		}
	}
	a.missingLines++
}

func (b *lineBook) sumOrder(o int32) orderAgg {
	var a orderAgg
	ls := b.orderLines(o)
	for i := range ls {
		b.addLine(&a, &ls[i])
	}
	return a
}

// orderRegion is the store's region for store orders, else the customer's.
func (b *lineBook) orderRegion(o int32) int32 {
	if s := b.oStore[o]; s >= 0 && b.d.storeRegion[s] >= 0 {
		return b.d.storeRegion[s]
	}
	if c := b.oCust[o]; c >= 0 {
		return b.d.custRegion[c]
	}
	return -1
}
