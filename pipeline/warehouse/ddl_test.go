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
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
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
	if err := wh.Exec(ctx, "INSERT INTO m VALUES (DATE '2025-01-31', NULL, 3, NULL)"); err == nil {
		t.Error("NULL into the non-nullable customer_id was accepted")
	}
	recs, err := wh.Query(ctx, `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'm' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer Release(recs)
	want := [][3]string{{"as_of", "DATE", "NO"}, {"customer_id", "VARCHAR", "NO"}, {"n", "BIGINT", "YES"}, {"ts", "TIMESTAMP WITH TIME ZONE", "YES"}}
	var got [][3]string
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			got = append(got, [3]string{StringAt(r, 0, i), StringAt(r, 1, i), StringAt(r, 2, i)})
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

// TestRecreateAndCreateTableAsDuckDB: RecreateTable empties a table and
// gives it the new schema; CreateTableAs replaces a table with a query's
// rows; Nullable relaxes every field.
func TestRecreateAndCreateTableAsDuckDB(t *testing.T) {
	ctx := context.Background()
	wh, err := OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	one := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	two := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.BinaryTypes.String}}, nil)
	if err := CreateTable(ctx, wh, "t", one); err != nil {
		t.Fatal(err)
	}
	if err := wh.Exec(ctx, "INSERT INTO t VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	if err := RecreateTable(ctx, wh, "t", Nullable(two)); err != nil {
		t.Fatal(err)
	}
	if n, err := Int64(ctx, wh, "SELECT count(*) FROM t"); err != nil || n != 0 {
		t.Errorf("rows after RecreateTable = %d, %v; want 0", n, err)
	}
	if err := wh.Exec(ctx, "INSERT INTO t VALUES (NULL, NULL)"); err != nil {
		t.Errorf("Nullable schema refused NULLs: %v", err)
	}
	if err := CreateTableAs(ctx, wh, "u", "SELECT 7 AS x UNION ALL SELECT 8"); err != nil {
		t.Fatal(err)
	}
	if err := CreateTableAs(ctx, wh, "u", "SELECT 5 AS x"); err != nil {
		t.Fatal(err)
	}
	if n, err := Int64(ctx, wh, "SELECT sum(x) FROM u"); err != nil || n != 5 {
		t.Errorf("sum(x) after the second CreateTableAs = %d, %v; want 5", n, err)
	}
	if f := Nullable(two).Fields(); !f[0].Nullable || !f[1].Nullable || two.Field(0).Nullable {
		t.Errorf("Nullable: got %v, and the input must stay %v", f, two.Fields())
	}
}

// fakeCreator is a Querier that creates tables through an API.
type fakeCreator struct{ Querier }

func (fakeCreator) CreateTable(context.Context, string, *arrow.Schema) error { return nil }
func (fakeCreator) CreateTableAs(context.Context, string, string) error      { return nil }

// TestCreateTempTableDuckDB: a temporary table from a schema, seen with its
// types inside the transaction that made it; refused where tables go
// through an API.
func TestCreateTempTableDuckDB(t *testing.T) {
	ctx := context.Background()
	wh, err := OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id_type", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	err = wh.InTx(ctx, func(tx Tx) error {
		if err := CreateTempTable(ctx, tx, "tt", schema); err != nil {
			return err
		}
		if err := tx.Exec(ctx, "INSERT INTO tt VALUES (NULL, 1)"); err != nil {
			return err
		}
		var typ, nullable *string
		if err := tx.QueryRow(ctx, `SELECT string_agg(data_type, ',' ORDER BY ordinal_position), string_agg(is_nullable, ',' ORDER BY ordinal_position)
			FROM information_schema.columns WHERE table_name = 'tt'`, nil, &typ, &nullable); err != nil {
			return err
		}
		if *typ != "VARCHAR,BIGINT" || *nullable != "YES,NO" {
			t.Errorf("types %s, nullable %s; want VARCHAR,BIGINT and YES,NO", *typ, *nullable)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := CreateTempTable(ctx, fakeCreator{wh}, "tt", schema); err == nil {
		t.Error("a warehouse creating tables through an API accepted a temporary table")
	}
}
