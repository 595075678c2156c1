package identity

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/internal/offheap"
)

// TestStitchMmapAllocator: results allocated with offheap.Allocator equal the
// default ones, and outlive the evidence they were built from.
func TestStitchMmapAllocator(t *testing.T) {
	syn := GenerateSynthetic(SynthOptions{Persons: 2000, Seed: 3})
	want, err := Stitch(syn.Evidence, nil, syn.Config, "r")
	if err != nil {
		t.Fatal(err)
	}
	defer want.Release()
	cfg := syn.Config
	cfg.Alloc = offheap.Allocator{}
	got, err := Stitch(syn.Evidence, nil, cfg, "r")
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	syn.Release()
	for _, c := range []struct {
		name      string
		got, want []arrow.RecordBatch
	}{
		{"assignments", got.Assignments, want.Assignments},
		{"identity_map", got.IdentityMap, want.IdentityMap},
		{"customers", got.Customers, want.Customers},
		{"blocked", got.Blocked, want.Blocked},
	} {
		if len(c.got) != len(c.want) {
			t.Fatalf("%s: %d batches, want %d", c.name, len(c.got), len(c.want))
		}
		for i := range c.got {
			if !array.RecordEqual(c.got[i], c.want[i]) {
				t.Errorf("%s batch %d differs", c.name, i)
			}
		}
	}
}
