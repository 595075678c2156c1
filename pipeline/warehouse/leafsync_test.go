package warehouse_test

import (
	"testing"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// config and schema repeat two small warehouse definitions so that they do
// not import this package; these tests keep the copies in step.

func TestConfigMemoryLimitMatchesWarehouse(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"2GB", true}, {"512MiB", true}, {"1.5 GB", true}, {"100B", true}, {"3TiB", true},
		{"", false}, {"2G", false}, {"GB", false}, {"2GB; DROP TABLE x", false}, {"-1GB", false}, {"2 gb", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			w, cf := warehouse.ValidMemoryLimit(c.in), config.ValidMemoryLimit(c.in)
			if w != c.want || cf != c.want {
				t.Errorf("%q: warehouse %v, config %v, want %v", c.in, w, cf, c.want)
			}
		})
	}
}

func TestSchemaStorageHintsMatchWarehouse(t *testing.T) {
	if schema.CompressDictionary != warehouse.CompressDictionary || schema.CompressNone != warehouse.CompressNone {
		t.Errorf("schema hints %q/%q, warehouse %q/%q", schema.CompressDictionary, schema.CompressNone,
			warehouse.CompressDictionary, warehouse.CompressNone)
	}
}
