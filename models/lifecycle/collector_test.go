package lifecycle

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// scrub overwrites every buffer of rec, as memory given back and used
// again would be.
func scrub(rec arrow.RecordBatch) {
	for _, col := range rec.Columns() {
		for _, b := range col.Data().Buffers() {
			if b != nil {
				bs := b.Bytes()
				for i := range bs {
					bs[i] = 0xA5
				}
			}
		}
	}
}

// TestCollectorKeepsNothingOfABatch feeds the hand population to a
// Collector one row per batch, contacts first and orders last, and
// overwrites every batch once it is added: the result is still the
// hand-worked one, so the Collector kept no reference into a batch. A
// batch added after Compute, and a second Compute, are errors.
func TestCollectorKeepsNothingOfABatch(t *testing.T) {
	loc := mustLoc(t, "Asia/Shanghai")
	d2, d1 := handDates(t, loc)
	p := DefaultParams()
	p.Location = loc
	pop := handPopulation()
	c, err := NewCollector(d2, d1, p, 3) // a hint far below the rows: one partition that grows
	if err != nil {
		t.Fatal(err)
	}
	add := func(rec arrow.RecordBatch, fn func(arrow.RecordBatch) error) {
		t.Helper()
		if err := fn(rec); err != nil {
			t.Fatal(err)
		}
		scrub(rec)
		rec.Release()
	}
	for _, x := range pop.contacts {
		add(consRec(t, loc, []con{x}), c.AddContacts)
	}
	for _, x := range pop.follows {
		add(folsRec(t, loc, []fol{x}), c.AddFollows)
	}
	for _, x := range pop.acts {
		add(actsRec(t, loc, []act{x}), c.AddInteractions)
	}
	for _, x := range pop.orders {
		add(ordersRec(t, loc, []ord{x}), c.AddOrders)
	}
	res, err := c.Compute()
	if err != nil {
		t.Fatal(err)
	}
	checkHandResult(t, res)
	if err := c.AddOrders(ordersRec(t, loc, pop.orders[:1])); err == nil || !strings.Contains(err.Error(), "after Compute") {
		t.Errorf("AddOrders after Compute: %v", err)
	}
	if _, err := c.Compute(); err == nil {
		t.Error("a second Compute was accepted")
	}
}
