package warehouse

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestStorageHints: a field marked Compressed is stored with that method
// where DuckDB would pick another (three distinct values: dictionary, as
// the same unmarked column shows), the DDL of an unmarked field has no
// hint, and an unknown method is ignored rather than pasted into SQL.
func TestStorageHints(t *testing.T) {
	ctx := context.Background()
	wh, err := OpenDuckDB(t.TempDir()+"/w.duckdb", DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	str := arrow.BinaryTypes.String
	schema := arrow.NewSchema([]arrow.Field{
		Compressed(arrow.Field{Name: "id", Type: str}, CompressNone),
		Compressed(arrow.Field{Name: "kind", Type: str}, CompressNone),
		{Name: "plain", Type: str},
		Compressed(arrow.Field{Name: "bad", Type: str}, "zstd; DROP TABLE x"),
	}, nil)
	if got, want := ColumnsDDL(schema), `"id" VARCHAR USING COMPRESSION uncompressed, "kind" VARCHAR USING COMPRESSION uncompressed, "plain" VARCHAR, "bad" VARCHAR`; got != want {
		t.Fatalf("ColumnsDDL = %s\nwant %s", got, want)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(schema.Fields(), nil))
	defer b.Release()
	for i := 0; i < 200000; i++ {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("customer-%09d", i))
		b.Field(1).(*array.StringBuilder).Append([]string{"a", "b", "c"}[i%3])
		b.Field(2).(*array.StringBuilder).Append([]string{"a", "b", "c"}[i%3])
		b.Field(3).(*array.StringBuilder).Append("y")
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := wh.Replace(ctx, "hinted", schema, []arrow.RecordBatch{rec}); err != nil {
		t.Fatal(err)
	}
	if err := wh.Exec(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	for col, want := range map[string]string{"id": "Uncompressed", "kind": "Uncompressed", "plain": "Dictionary"} {
		var methods string
		if err := wh.QueryRow(ctx, `SELECT string_agg(DISTINCT compression, ',') FROM pragma_storage_info('hinted')
			WHERE column_name = ? AND segment_type = 'VARCHAR'`, []any{col}, &methods); err != nil {
			t.Fatal(err)
		}
		if methods != want {
			t.Errorf("column %s stored as %q, want %q", col, methods, want)
		}
	}
	var n int64
	var last string
	if err := wh.QueryRow(ctx, `SELECT count(*), max(id) FROM hinted`, nil, &n, &last); err != nil || n != 200000 || last != "customer-000199999" {
		t.Fatalf("hinted table: %d rows, max id %q (%v)", n, last, err)
	}
}
