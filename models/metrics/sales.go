package metrics

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
)

// SalesOptions configures Sales.
type SalesOptions struct {
	Common
}

// SalesStats is what Sales counted besides its rows.
type SalesStats struct {
	LineStats
	// Orders have a non-cancelled line up to the as-of date; Purchases net
	// above zero; AnonymousOrders are purchases without a customer.
	Orders, Purchases, AnonymousOrders int64
	// RefundedOrders have a refund, RefundAmount sums them.
	RefundedOrders int64
	RefundAmount   float64
}

// Sales dimensions (the dimension column of the sales mart).
const (
	DimTotal    = "total"    // key 'all'
	DimChannel  = "channel"  // each e-commerce platform and pos
	DimStore    = "store"    // each store (orders with a store_id), label = store name
	DimRegion   = "region"   // store's region for store orders, else the customer's
	DimCategory = "category" // product category ('unknown' when the SKU is not in products)
	DimBrand    = "brand"    // product brand
)

// SalesSchema is the schema of the sales mart: one row per period (month up
// to the as-of month), dimension and key with any activity. An order counts
// in a group when its lines in that group net above zero; customers are the
// distinct identified buyers of those orders; avg_order_value = net_sales /
// orders; gross_margin = costed_net_sales - cost (lines without a cost are
// left out and counted in missing_cost_lines); margin_rate =
// gross_margin / costed_net_sales.
var SalesSchema = arrow.NewSchema([]arrow.Field{
	field("as_of", tDate), field("period", tString), field("dimension", tString), field("key", tString), field("label", tString),
	field("units", tInt), field("net_sales", tFloat), field("costed_net_sales", tFloat), field("cost", tFloat),
	field("gross_margin", tFloat), field("margin_rate", tFloat),
	field("orders", tInt), field("customers", tInt), field("avg_order_value", tFloat),
	field("refunded_orders", tInt), field("refund_amount", tFloat), field("missing_cost_lines", tInt), field("anonymous_orders", tInt),
}, nil)

type salesAcc struct {
	units, orders, customers, refunded, missLines, anon int64
	net, costedNet, cost, refund                        float64
	touched                                             bool
}

// Sales computes units, net sales, gross margin, orders, customers and
// average order value per month by total, channel, store, region, category
// and brand, from order lines (LineColumns), products (sku, category,
// brand, unit_cost), stores (store_id, store_name, region) and customers
// (customer_id, region; for the region of orders without a store). The
// caller releases the returned batches, which have SalesSchema.
func Sales(lines, products, stores, customers []arrow.RecordBatch, opt SalesOptions) ([]arrow.RecordBatch, SalesStats, error) {
	var st SalesStats
	cal, err := NewCalendar(opt.Common)
	if err != nil {
		return nil, st, err
	}
	d := newDims(numRows(lines) / 2)
	if err := d.readProducts(products); err != nil {
		return nil, st, err
	}
	if err := d.readStores(stores); err != nil {
		return nil, st, err
	}
	if err := d.readCustomers(customers); err != nil {
		return nil, st, err
	}
	unknownCat, unknownBrand := d.cats.id(Unknown), d.brands.id(Unknown)
	b, err := readLines(lines, d, cal, opt.CancelledStatuses)
	if err != nil {
		return nil, st, err
	}
	st.LineStats = b.stats

	// Key space: one block per dimension.
	type dimBlock struct {
		name  string
		base  int32
		n     int32
		key   func(k int32) string
		label func(k int32) string
	}
	ident := func(in *interner) func(int32) string { return in.name }
	blocks := []dimBlock{
		{name: DimTotal, n: 1, key: func(int32) string { return "all" }},
		{name: DimChannel, n: int32(d.channels.len()), key: ident(d.channels)},
		{name: DimStore, n: int32(d.store.len()), key: ident(d.store), label: func(k int32) string { return d.storeName[k] }},
		{name: DimRegion, n: int32(d.regions.len()) + 1, key: func(k int32) string { return d.regionName(k - 1) }},
		{name: DimCategory, n: int32(d.cats.len()), key: ident(d.cats)},
		{name: DimBrand, n: int32(d.brands.len()), key: ident(d.brands)},
	}
	var G int32
	for i := range blocks {
		blocks[i].base = G
		G += blocks[i].n
	}
	chanBase, storeBase, regionBase, catBase, brandBase := blocks[1].base, blocks[2].base, blocks[3].base, blocks[4].base, blocks[5].base

	asOfMonth := cal.AsOfMonth()
	minMonth := asOfMonth
	for _, m := range b.oMonth {
		minMonth = min(minMonth, m)
	}
	nMonths := asOfMonth - minMonth + 1
	acc := make([]salesAcc, int(nMonths)*int(G))
	lastCust := make([]int32, len(acc))
	for i := range lastCust {
		lastCust[i] = -1
	}

	type part struct {
		k int32
		a orderAgg
	}
	var local []part
	addTo := func(g int32, a *orderAgg, c int32) {
		s := &acc[g]
		s.touched = true
		s.units += a.units
		s.net += a.net
		s.costedNet += a.costedNet
		s.cost += a.cost
		s.refund += a.refund
		s.missLines += a.missingLines
		if a.refund > 0 {
			s.refunded++
		}
		if a.net > 0 {
			s.orders++
			if c < 0 {
				s.anon++
			} else if lastCust[g] != c {
				lastCust[g] = c
				s.customers++
			}
		}
	}
	doOrder := func(o, c int32) {
		row := (b.oMonth[o] - minMonth) * G
		a := b.sumOrder(o)
		st.Orders++
		if a.net > 0 {
			st.Purchases++
			if c < 0 {
				st.AnonymousOrders++
			}
		}
		if a.refund > 0 {
			st.RefundedOrders++
			st.RefundAmount += a.refund
		}
		addTo(row, &a, c)
		addTo(row+chanBase+b.oChan[o], &a, c)
		if s := b.oStore[o]; s >= 0 {
			addTo(row+storeBase+s, &a, c)
		}
		addTo(row+regionBase+b.orderRegion(o)+1, &a, c)
		local = local[:0]
		ls := b.orderLines(o)
		for i := range ls {
			l := &ls[i]
			cat, brand := unknownCat, unknownBrand
			if l.prod >= 0 {
				cat, brand = d.prodCat[l.prod], d.prodBrand[l.prod]
			}
			for _, k := range [2]int32{catBase + cat, brandBase + brand} {
				j := -1
				for x := range local {
					if local[x].k == k {
						j = x
						break
					}
				}
				if j < 0 {
					local = append(local, part{k: k})
					j = len(local) - 1
				}
				b.addLine(&local[j].a, l)
			}
		}
		for x := range local {
			addTo(row+local[x].k, &local[x].a, c)
		}
	}
	nCust := int32(d.nCust())
	for c := int32(0); c <= nCust; c++ {
		lo, hi := b.custOrders(c)
		cc := c
		if c == nCust {
			cc = -1
		}
		for o := lo; o < hi; o++ {
			doOrder(o, cc)
		}
	}

	w := newWriter(SalesSchema, opt.AsOf)
	for mi := int32(0); mi < nMonths; mi++ {
		period := Period(mi + minMonth)
		for _, blk := range blocks {
			ks := make([]int32, 0, blk.n)
			for k := int32(0); k < blk.n; k++ {
				if acc[mi*G+blk.base+k].touched || blk.name == DimTotal {
					ks = append(ks, k)
				}
			}
			sort.Slice(ks, func(i, j int) bool { return blk.key(ks[i]) < blk.key(ks[j]) })
			for _, k := range ks {
				s := &acc[mi*G+blk.base+k]
				key := blk.key(k)
				label := key
				if blk.label != nil && blk.label(k) != "" {
					label = blk.label(k)
				}
				w.row()
				w.str(period)
				w.str(blk.name)
				w.str(key)
				w.str(label)
				w.i64(s.units)
				w.f64(s.net)
				w.f64(s.costedNet)
				w.f64(s.cost)
				w.f64(s.costedNet - s.cost)
				w.f64(ratio(s.costedNet-s.cost, s.costedNet))
				w.i64(s.orders)
				w.i64(s.customers)
				w.f64(ratio(s.net, float64(s.orders)))
				w.i64(s.refunded)
				w.f64(s.refund)
				w.i64(s.missLines)
				w.i64(s.anon)
			}
		}
	}
	return w.done(), st, nil
}
