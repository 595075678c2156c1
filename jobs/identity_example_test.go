package jobs

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/models/identity"
)

// TestExampleConfigIdentityRules runs the identity section of
// config/example.yaml on the values its comments name: each is typed on
// the records of two buyers with their own buyer ids and must not join them.
func TestExampleConfigIdentityRules(t *testing.T) {
	cfg, err := config.Load("../config/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ic := IdentityConfig(cfg)
	ic.Alloc = nil
	cases := []struct {
		name, column, value string
		blocked             string // "type:value reason", "" when the value is no identifier at all
	}{
		{"store landline as written in the comment", "phone", "021-62881234", "phone:+862162881234 pattern"},
		{"store landline in digits", "phone", "02162881234", "phone:+862162881234 pattern"},
		{"store landline in E.164", "phone", "+86 21 6288 1234", "phone:+862162881234 pattern"},
		{"400 service number", "phone", "400-820-8820", "phone:+864008208820 blocklist"},
		{"another 400 service number", "phone", "400 123 4567", "phone:+864001234567 pattern"},
		{"400 number in digits", "phone", "4001234567", "phone:+864001234567 pattern"},
		{"test e-mail", "email", "Test@shop.com", "email:test@shop.com pattern"},
		{"demo e-mail", "email", "demo@brand.cn", "email:demo@brand.cn pattern"},
		{"blocklisted test e-mail", "email", "TEST@test.com", "email:test@test.com blocklist"},
		{"all-zero card is no identifier", "member_card", "00000000", ""},
		{"Beijing landline", "phone", "010-8888 6666", "phone:+861088886666 pattern"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := array.NewRecordBuilder(memory.DefaultAllocator, identity.EvidenceSchema)
			defer b.Release()
			col := func(name string) *array.StringBuilder {
				return b.Field(identity.EvidenceSchema.FieldIndices(name)[0]).(*array.StringBuilder)
			}
			for i, card := range []string{"M1", "M2"} {
				for _, f := range identity.EvidenceSchema.Fields() {
					switch f.Name {
					case "ts":
						b.Field(identity.EvidenceSchema.FieldIndices("ts")[0]).(*array.TimestampBuilder).Append(arrow.Timestamp(time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC).UnixMicro()))
					case "rec_table":
						col(f.Name).Append("order_lines")
					case "rec_key":
						col(f.Name).Append(card)
					case c.column:
						col(f.Name).Append(c.value)
					case "buyer_id":
						col(f.Name).Append("shop:" + card)
					default:
						col(f.Name).AppendNull()
					}
				}
			}
			rec := b.NewRecordBatch()
			defer rec.Release()
			res, err := identity.Stitch([]arrow.RecordBatch{rec}, nil, ic, "t")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Release()
			if res.Stats.Customers != 2 {
				t.Errorf("%d customers, want 2", res.Stats.Customers)
			}
			got := ""
			for _, bl := range res.Blocked {
				for i := 0; i < int(bl.NumRows()); i++ {
					got = bl.Column(0).ValueStr(i) + ":" + bl.Column(1).ValueStr(i) + " " + bl.Column(2).ValueStr(i)
				}
			}
			if got != c.blocked {
				t.Errorf("blocked %q, want %q", got, c.blocked)
			}
		})
	}
}
