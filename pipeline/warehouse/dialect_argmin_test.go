package warehouse

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestDialectSpellings(t *testing.T) {
	duck, bq := duckDialect{}, bigQueryDialect{dataset: "d"}
	at := time.Date(2024, 3, 1, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))
	cases := []struct{ name, got, want string }{
		{"duck neg", duck.Neg("x.a"), "-x.a"},
		{"bq neg", bq.Neg("x.a"), "0 - x.a"},
		{"duck row key", duck.RowKey("a", "b"), "(a, b)"},
		{"bq row key", bq.RowKey("a", "b"), "a, b"},
		{"duck argmin of a key field", duck.ArgMinOf("c", "n", "c"), "struct_extract(min(struct_pack(k0 := n, k1 := c)), 'k1')"},
		{"duck argmin of another column", duck.ArgMinOf("v", "n", "c"), "arg_min(v, (n, c))"},
		{"bq argmin of", bq.ArgMinOf("c", "n", "c"), "ARRAY_AGG(c IGNORE NULLS ORDER BY n, c LIMIT 1)[SAFE_OFFSET(0)]"},
		{"duck timestamp in UTC", duck.TimestampUTC(at), "TIMESTAMPTZ '2024-03-01 00:30:00+00'"},
		{"bq timestamp in UTC", bq.TimestampUTC(at), "TIMESTAMP '2024-03-01 00:30:00+00'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
	agg, cols := duck.ArgMinCols([]string{"ts", "ch"}, []string{"ch", "id"}, []string{"first_ch", "first_id"})
	if want := "min(struct_pack(k0 := ts, k1 := ch, k2 := id)) AS _argmin"; agg != want {
		t.Errorf("duck ArgMinCols agg = %q, want %q", agg, want)
	}
	if want := "struct_extract(_argmin, 'k1') AS first_ch, struct_extract(_argmin, 'k2') AS first_id"; cols != want {
		t.Errorf("duck ArgMinCols cols = %q, want %q", cols, want)
	}
	agg, cols = bq.ArgMinCols([]string{"ts", "ch"}, []string{"ch"}, []string{"first_ch"})
	if want := "ARRAY_AGG(ch IGNORE NULLS ORDER BY ts, ch LIMIT 1)[SAFE_OFFSET(0)] AS first_ch"; agg != want || cols != "first_ch" {
		t.Errorf("bq ArgMinCols = %q, %q", agg, cols)
	}
}

// TestDuckArgMinOnRows runs ArgMinCols and ArgMinOf on a real DuckDB file:
// per customer, the channel and order of the earliest order (ties on time
// broken by channel, then order id) and the category of the largest amount.
func TestDuckArgMinOnRows(t *testing.T) {
	ctx := context.Background()
	wh, err := OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if err := wh.Exec(ctx, `CREATE TABLE o AS SELECT * FROM (VALUES
		('c1', 2, 'web', 'o9', 10.0, 'shoes'),
		('c1', 1, 'pos', 'o5', 30.0, 'bags'),
		('c1', 1, 'app', 'o7', 30.0, 'hats'),
		('c2', 5, 'web', 'o1', 5.0, 'toys')) AS t(customer_id, ts, channel, order_id, amount, category)`); err != nil {
		t.Fatal(err)
	}
	d := SQLOf(wh.Dialect())
	agg, cols := d.ArgMinCols([]string{"ts", "channel", "order_id"}, []string{"channel", "order_id"}, []string{"first_channel", "first_order"})
	cat := d.ArgMinOf("category", d.Neg("amount"), "category")
	q := `SELECT customer_id, ` + cols + `, cat FROM (SELECT customer_id, ` + agg + `, ` + cat + ` AS cat FROM o GROUP BY customer_id) ORDER BY customer_id`
	recs, err := wh.Query(ctx, q)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	var got [][4]string
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			got = append(got, [4]string{StringAt(r, 0, i), StringAt(r, 1, i), StringAt(r, 2, i), StringAt(r, 3, i)})
		}
		r.Release()
	}
	// c1: ts 1 twice, 'app' < 'pos' -> app/o7; amount 30 twice, 'bags' < 'hats'.
	want := [][4]string{{"c1", "app", "o7", "bags"}, {"c2", "web", "o1", "toys"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %v, want %v", i, got[i], want[i])
		}
	}
}
