package publish

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// segmentColumns is the union of the tag columns the definitions read, and
// nil (every column) when one of them does not compile on the tags.
func TestSegmentColumns(t *testing.T) {
	for _, tc := range []struct {
		name string
		segs []config.Segment
		want string // sorted, comma-separated; "<all>" for nil
	}{
		{"the example config's three", []config.Segment{
			{Name: "reactivate_east", Where: "rfm_tier = 'dormant' AND region = '华东'"},
			{Name: "vip_not_contacted", Where: "clv_decile <= 2 AND NOT contacted_90d"},
			{Name: "vip_lookalike", Where: "clv_decile <= 2"},
		}, "clv_decile,contacted_90d,region,rfm_tier"},
		{"a name in another case is the tag's", []config.Segment{{Name: "s", Where: "Last_Purchase_Days > 90 OR social_engaged"}}, "last_purchase_days,social_engaged"},
		{"no segment", nil, ""},
		{"an unknown column reads every tag", []config.Segment{{Name: "ok", Where: "orders > 1"}, {Name: "bad", Where: "no_such_tag = 1"}}, "<all>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := segmentColumns(tc.segs)
			s := "<all>"
			if got != nil {
				var cols []string
				for c := range got {
					cols = append(cols, c)
				}
				sort.Strings(cols)
				s = strings.Join(cols, ",")
			}
			if s != tc.want {
				t.Fatalf("segmentColumns = %q, want %q", s, tc.want)
			}
		})
	}
}

// Narrowed to some columns, the customer tags join only what those columns
// read: here the warehouse has no orders, order state, lifecycle, CLV or
// social interactions at all, which the whole tag table reads (and fails
// on), and the narrowed one returns the hand-worked values.
func TestCustomerTagsNarrowed(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(":memory:", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE customers (customer_id VARCHAR, region VARCHAR, first_channel VARCHAR, phone VARCHAR, email VARCHAR, name VARCHAR)`,
		`INSERT INTO customers VALUES ('c1', 'east', 'jd', '13800000001', NULL, 'A'), ('c2', 'south', 'pos', NULL, NULL, 'B'), ('c3', 'east', 'pos', NULL, NULL, NULL)`,
		// rfm of two dates: the tags read the newest on or before the as-of day.
		`CREATE TABLE rfm (as_of DATE, customer_id VARCHAR, tier VARCHAR)`,
		`INSERT INTO rfm VALUES ('2025-12-31', 'c1', 'active'), ('2026-01-01', 'c1', 'dormant'), ('2026-01-01', 'c2', 'active'), ('2026-01-02', 'c2', 'dormant')`,
		// c1 contacted 10 days before the end of the as-of day, c2 100 days
		// before (outside the 90 days), c3 never.
		`CREATE TABLE campaign_contacts (customer_id VARCHAR, contacted_ts TIMESTAMPTZ)`,
		`INSERT INTO campaign_contacts VALUES ('c1', '2025-12-22 12:00:00+00'), ('c2', '2025-09-23 12:00:00+00'), (NULL, '2025-12-30 00:00:00+00')`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if recs, _, err := customerTags(ctx, wh, asOf, true, nil); err == nil {
		warehouse.Release(recs)
		t.Fatal("the whole tag table read a warehouse without orders or social interactions")
	}
	recs, why, err := customerTags(ctx, wh, asOf, true, map[string]bool{"rfm_tier": true, "region": true, "contacted_90d": true})
	if err != nil {
		t.Fatal(err)
	}
	defer warehouse.Release(recs)
	if why != "" {
		t.Errorf("why = %q: no column needs the order figures", why)
	}
	var names []string
	for _, f := range recs[0].Schema().Fields() {
		names = append(names, f.Name)
	}
	if got, want := strings.Join(names, ","), "customer_id,rfm_tier,region,contacted_90d"; got != want {
		t.Fatalf("columns %s, want %s", got, want)
	}
	var rows []string
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			tier := "NULL"
			if r.Column(1).IsValid(i) {
				tier = warehouse.StringAt(r, 1, i)
			}
			rows = append(rows, strings.Join([]string{warehouse.StringAt(r, 0, i), tier, warehouse.StringAt(r, 2, i), map[bool]string{true: "contacted", false: "-"}[r.Column(3).(*array.Boolean).Value(i)]}, " "))
		}
	}
	want := []string{"c1 dormant east contacted", "c2 active south -", "c3 NULL east -"}
	if strings.Join(rows, "; ") != strings.Join(want, "; ") {
		t.Fatalf("tags\n got %v\nwant %v", rows, want)
	}
	for _, tc := range []struct {
		seg  config.Segment
		want int64
	}{
		{config.Segment{Name: "reactivate_east", Where: "rfm_tier = 'dormant' AND region = 'east'"}, 1},
		{config.Segment{Name: "not_contacted", Where: "NOT contacted_90d"}, 2},
	} {
		res, err := EvaluateSegment(tc.seg, recs)
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != tc.want {
			t.Errorf("segment %s: %d customers, want %d", tc.seg.Name, res.Count, tc.want)
		}
		res.Release()
	}
}
