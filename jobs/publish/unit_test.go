package publish

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/reports"
)

// TestUnitFor: the unit each kind of mart column is shown in.
func TestUnitFor(t *testing.T) {
	cases := []struct {
		name string
		typ  arrow.DataType
		want reports.Unit
	}{
		{"net_revenue", arrow.PrimitiveTypes.Float64, reports.UnitMoney},
		{"avg_order_value", arrow.PrimitiveTypes.Float64, reports.UnitMoney},
		{"value", arrow.PrimitiveTypes.Int64, reports.UnitCount},   // identity_stats: a count
		{"value", arrow.PrimitiveTypes.Float64, reports.UnitRatio}, // source_checks: a measurement
		{"retention_m1", arrow.PrimitiveTypes.Float64, reports.UnitPct},
		{"orders", arrow.PrimitiveTypes.Int64, reports.UnitCount},
		{"region", arrow.BinaryTypes.String, reports.UnitText},
	}
	for _, c := range cases {
		if got := unitFor(arrow.Field{Name: c.name, Type: c.typ}); got != c.want {
			t.Errorf("unitFor(%s %s) = %v, want %v", c.name, c.typ, got, c.want)
		}
	}
}
