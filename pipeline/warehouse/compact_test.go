package warehouse

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// TestQueryRegroupsLargeResults: a 200,003-row result comes back as
// batches of at most CompactRows rows holding every row and value; a
// one-row result is one batch.
func TestQueryRegroupsLargeResults(t *testing.T) {
	wh, err := OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	recs, err := wh.Query(ctx, `SELECT i, CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || i END AS s FROM range(200003) t(i)`)
	if err != nil {
		t.Fatal(err)
	}
	defer Release(recs)
	var rows, sum, nulls int64
	for _, r := range recs {
		if r.NumRows() > CompactRows {
			t.Fatalf("batch of %d rows", r.NumRows())
		}
		for i := 0; i < int(r.NumRows()); i++ {
			v := Int64At(r, 0, i)
			sum += v
			if r.Column(1).IsNull(i) {
				nulls++
			} else if s := StringAt(r, 1, i); s != "v"+strconv.FormatInt(v, 10) {
				t.Fatalf("row %d: %q", v, s)
			}
		}
		rows += r.NumRows()
	}
	if rows != 200003 || sum != 200002*200003/2 || nulls != 40001 || len(recs) != 4 {
		t.Fatalf("rows %d sum %d nulls %d batches %d", rows, sum, nulls, len(recs))
	}
	one, err := wh.Query(ctx, `SELECT 42 AS x`)
	if err != nil {
		t.Fatal(err)
	}
	defer Release(one)
	if len(one) != 1 || Int64At(one[0], 0, 0) != 42 {
		t.Fatalf("one-row result: %d batches", len(one))
	}
}
