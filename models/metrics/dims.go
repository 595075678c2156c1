package metrics

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// Unknown labels a missing dimension value (region, category, brand,
// channel, tier, stage).
const Unknown = "unknown"

// dims holds the dimension tables with dense ids. Customer ids come from
// a keySet that every source of customer ids adds to before buildCustomers.
type dims struct {
	custKeys   *keySet
	custRegion []int32 // region id per customer, -1 unknown (after buildCustomers)
	custTab    *keySource
	custTabReg []int32 // region id per customers-table row

	regions *interner

	prod      *interner
	prodCat   []int32
	prodBrand []int32
	prodCost  []float64 // NaN: no cost
	cats      *interner
	brands    *interner

	store       *interner
	storeName   []string
	storeRegion []int32

	channels *interner
}

func newDims(customerCapacity int) *dims {
	return &dims{
		custKeys: newKeySet(customerCapacity), regions: newInterner(64), prod: newInterner(1024),
		cats: newInterner(64), brands: newInterner(64), store: newInterner(256), channels: newInterner(8),
	}
}

// nCust is the number of distinct customers (after buildCustomers).
func (d *dims) nCust() int { return d.custKeys.len() }

// custName returns the customer id string of customer c.
func (d *dims) custName(c int32) string { return d.custKeys.name(c) }

// storeID returns the id of store s, adding it (no name, region unknown).
func (d *dims) storeID(s string) int32 {
	n := d.store.len()
	id := d.store.id(s)
	if int(id) == n {
		d.storeName = append(d.storeName, "")
		d.storeRegion = append(d.storeRegion, -1)
	}
	return id
}

// regionName returns the name of a region id (Unknown for -1).
func (d *dims) regionName(id int32) string {
	if id < 0 {
		return Unknown
	}
	return d.regions.name(id)
}

// readCustomers adds the customers table (customer_id; optional region)
// to the customer keys.
func (d *dims) readCustomers(recs []arrow.RecordBatch) error {
	src := d.custKeys.source()
	d.custTab = src
	for _, rec := range recs {
		t := table{name: "customers", rec: rec}
		id, err := t.str("customer_id", true)
		if err != nil {
			return err
		}
		reg, err := t.str("region", false)
		if err != nil {
			return err
		}
		src.batch(id)
		for i := 0; i < int(rec.NumRows()); i++ {
			src.add(0, id.at(i))
			r := int32(-1)
			if v := reg.at(i); v != "" {
				r = d.regions.id(v)
			}
			d.custTabReg = append(d.custTabReg, r)
		}
	}
	return nil
}

// buildCustomers numbers the customers of every source added so far and
// sets their regions from the customers table (first row wins).
func (d *dims) buildCustomers() {
	d.custKeys.build()
	d.custRegion = make([]int32, d.custKeys.len())
	for i := range d.custRegion {
		d.custRegion[i] = -1
	}
	for i, r := range d.custTabReg {
		if c := d.custTab.id(i); c >= 0 && r >= 0 && d.custRegion[c] < 0 {
			d.custRegion[c] = r
		}
	}
}

// readProducts reads products (sku; optional category, brand, unit_cost).
func (d *dims) readProducts(recs []arrow.RecordBatch) error {
	for _, rec := range recs {
		t := table{name: "products", rec: rec}
		sku, err := t.str("sku", true)
		if err != nil {
			return err
		}
		cat, err := t.str("category", false)
		if err != nil {
			return err
		}
		brand, err := t.str("brand", false)
		if err != nil {
			return err
		}
		cost, err := t.num("unit_cost", false)
		if err != nil {
			return err
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			if !sku.valid(i) {
				continue
			}
			n := d.prod.len()
			p := d.prod.id(sku.at(i))
			if int(p) < n {
				continue // duplicate sku: the first row wins
			}
			d.prodCat = append(d.prodCat, d.cats.id(orUnknown(cat.at(i))))
			d.prodBrand = append(d.prodBrand, d.brands.id(orUnknown(brand.at(i))))
			c := cost.at(i)
			if math.IsInf(c, 0) || c < 0 {
				c = math.NaN()
			}
			d.prodCost = append(d.prodCost, c)
		}
	}
	return nil
}

// readStores reads stores (store_id; optional store_name, region).
func (d *dims) readStores(recs []arrow.RecordBatch) error {
	for _, rec := range recs {
		t := table{name: "stores", rec: rec}
		id, err := t.str("store_id", true)
		if err != nil {
			return err
		}
		name, err := t.str("store_name", false)
		if err != nil {
			return err
		}
		reg, err := t.str("region", false)
		if err != nil {
			return err
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			if !id.valid(i) {
				continue
			}
			s := d.storeID(id.at(i))
			if v := name.at(i); v != "" && d.storeName[s] == "" {
				d.storeName[s] = clone(v)
			}
			if v := reg.at(i); v != "" && d.storeRegion[s] < 0 {
				d.storeRegion[s] = d.regions.id(v)
			}
		}
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// counter of things worth reporting, with a few examples.
type examples struct {
	seen map[string]bool
	list []string
}

func (e *examples) add(s string, max int) {
	if len(e.list) >= max || e.seen[s] {
		return
	}
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	s = clone(s)
	e.seen[s] = true
	e.list = append(e.list, s)
}

func wrapBatch(what string, i int, err error) error {
	return fmt.Errorf("metrics: %s batch %d: %w", what, i, err)
}
