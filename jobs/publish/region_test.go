package publish

import (
	"context"
	"testing"
	"time"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The region of an order in the facts: the store's for a receipt, else the
// region of the shipping province or address (longest listed name that
// the value starts with, any case), else the customer's, else unknown.
func TestOrderRegion(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(":memory:", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE stores (store_id VARCHAR, store_name VARCHAR, region VARCHAR)`,
		`INSERT INTO stores VALUES ('s1', 'One', '华南')`,
		`CREATE TABLE customers (customer_id VARCHAR, region VARCHAR)`,
		`INSERT INTO customers VALUES ('c1', '西南'), ('c2', NULL)`,
		`CREATE TABLE products (sku VARCHAR, unit_cost DOUBLE)`,
		`CREATE TABLE raw_order_lines (_load_id VARCHAR, channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, sku VARCHAR, qty BIGINT, province VARCHAR)`,
		jobs.KeptLinesViewSQL(false),
		`CREATE TABLE orders (channel VARCHAR, order_id VARCHAR, order_ts TIMESTAMPTZ, customer_id VARCHAR, store_id VARCHAR,
			units BIGINT, paid_amount DOUBLE, refund_amount DOUBLE, net_amount DOUBLE, status VARCHAR)`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	regions := map[string][]string{
		"华东": {"浙江", "Zhejiang", "上海"},
		"华北": {"山西", "Shanxi"},
		"西北": {"陕西", "Shaanxi"},
		"华南": {"广东"},
		// A longer name wins over a shorter one it starts with.
		"test": {"Zhejiang Free Trade"},
	}
	cases := []struct {
		name, channel, customer, store, province, want string
	}{
		{"tmall address", "tmall", "c2", "", "浙江省 杭州市 西湖区 人民路1号", "华东"},
		{"jd address without spaces", "jd", "c2", "", "上海上海市人民路2号", "华东"},
		{"shopify pinyin, other case", "shopify", "c2", "", "ZHEJIANG", "华东"},
		{"shanxi is not shaanxi", "shopify", "c2", "", "Shaanxi", "西北"},
		{"shanxi", "shopify", "c2", "", "Shanxi", "华北"},
		{"longest name wins", "shopify", "c2", "", "Zhejiang Free Trade Zone", "test"},
		{"receipt: the store's region", "pos", "c1", "s1", "浙江省", "华南"},
		{"unlisted province: the customer's", "tmall", "c1", "", "台湾省 台北市", "西南"},
		{"no province: the customer's", "tmall", "c1", "", "", "西南"},
		{"nothing known", "jd", "c2", "", "", "unknown"},
		{"anonymous, no province", "shopify", "", "", "", "unknown"},
	}
	ts := time.Date(2025, 12, 5, 10, 0, 0, 0, time.UTC)
	for i, c := range cases {
		id := c.name
		var cust, store, prov any
		if c.customer != "" {
			cust = c.customer
		}
		if c.store != "" {
			store = c.store
		}
		if c.province != "" {
			prov = c.province
		}
		if err := wh.Exec(ctx, `INSERT INTO raw_order_lines VALUES ('L', ?, ?, ?, 'a', 1, ?)`, c.channel, id, ts.Add(time.Duration(i)*time.Minute), prov); err != nil {
			t.Fatal(err)
		}
		if err := wh.Exec(ctx, `INSERT INTO orders VALUES (?, ?, ?, ?, ?, 1, 10, 0, 10, 'paid')`, c.channel, id, ts.Add(time.Duration(i)*time.Minute), cust, store); err != nil {
			t.Fatal(err)
		}
	}
	from, to := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := warehouse.CreateTableAs(ctx, wh, "publish_order_facts", mustFactsSQL(t, warehouse.SQLOfQuerier(wh), regions, from, to)); err != nil {
		t.Fatal(err)
	}
	// The same regions from the facts and from the orders source of the
	// region-filtered queries over other periods (the 12-month mix, the
	// same period last year).
	b := &builder{ctx: ctx, wh: wh, region: "any", regions: regions}
	orders, err := b.ordersSource(from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"publish_order_facts", "(SELECT ro.*, o.order_id FROM " + orders + " JOIN orders o ON o.order_ts = ro.order_ts) x"} {
		for _, c := range cases {
			recs, err := wh.Query(ctx, `SELECT region FROM `+src+` WHERE order_id = ?`, c.name)
			if err != nil || len(recs) == 0 || recs[0].NumRows() != 1 {
				t.Fatalf("%s: %s: %v", src, c.name, err)
			}
			got := warehouse.StringAt(recs[0], 0, 0)
			warehouse.Release(recs)
			if got != c.want {
				t.Errorf("%s: %s: region %q, want %q", src[:min(len(src), 20)], c.name, got, c.want)
			}
		}
	}
}
