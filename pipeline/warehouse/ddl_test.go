package warehouse

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestCreateTableDuckDB creates a table from an Arrow schema on a real
// DuckDB file, with a storage hint, and checks the column types DuckDB
// reports; a second call leaves the table and its rows alone.
func TestCreateTableDuckDB(t *testing.T) {
	ctx := context.Background()
	wh, err := OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "as_of", Type: arrow.FixedWidthTypes.Date32},
		Compressed(arrow.Field{Name: "customer_id", Type: arrow.BinaryTypes.String}, CompressNone),
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	if err := CreateTable(ctx, wh, "m", schema); err != nil {
		t.Fatal(err)
	}
	if err := wh.Exec(ctx, "INSERT INTO m VALUES (DATE '2025-01-31', 'c1', 3, TIMESTAMPTZ '2025-01-31 10:00:00+00')"); err != nil {
		t.Fatal(err)
	}
	if err := CreateTable(ctx, wh, "m", schema); err != nil {
		t.Fatalf("second CreateTable: %v", err)
	}
	recs, err := wh.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'm' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer Release(recs)
	want := [][2]string{{"as_of", "DATE"}, {"customer_id", "VARCHAR"}, {"n", "BIGINT"}, {"ts", "TIMESTAMP WITH TIME ZONE"}}
	var got [][2]string
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			got = append(got, [2]string{StringAt(r, 0, i), StringAt(r, 1, i)})
		}
	}
	if len(got) != len(want) {
		t.Fatalf("columns %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d = %v, want %v", i, got[i], want[i])
		}
	}
	if n, err := Int64(ctx, wh, "SELECT count(*) FROM m"); err != nil || n != 1 {
		t.Fatalf("rows after the second CreateTable = %d, %v; want 1", n, err)
	}
}
