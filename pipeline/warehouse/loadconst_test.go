package warehouse

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// LoadReaderConst fills the constant columns from literals (one value) or
// from the value picked per row by the choice column, quoting any text,
// and inserts the batches' other columns by name.
func TestLoadReaderConst(t *testing.T) {
	ctx := context.Background()
	d, err := OpenDuckDB(filepath.Join(t.TempDir(), "w.duckdb"), DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Exec(ctx, `CREATE TABLE t (id VARCHAR NOT NULL, src VARCHAR NOT NULL, file VARCHAR NOT NULL, n BIGINT NOT NULL, v VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	mem := memory.DefaultAllocator
	batch := func(withChoice bool, ns []int64, choice []int16) arrow.RecordBatch {
		fs := []arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "n", Type: arrow.PrimitiveTypes.Int64}}
		if withChoice {
			fs = append(fs, arrow.Field{Name: "__which", Type: arrow.PrimitiveTypes.Int16})
		}
		rb := array.NewRecordBuilder(mem, arrow.NewSchema(fs, nil))
		defer rb.Release()
		for i, n := range ns {
			if n%2 == 0 {
				rb.Field(0).AppendNull()
			} else {
				rb.Field(0).(*array.StringBuilder).Append("x")
			}
			rb.Field(1).(*array.Int64Builder).Append(n)
			if withChoice {
				rb.Field(2).(*array.Int16Builder).Append(choice[i])
			}
		}
		return rb.NewRecordBatch()
	}
	load := func(choice string, recs []arrow.RecordBatch, cols ...ColumnValues) (int64, error) {
		rdr, err := array.NewRecordReader(recs[0].Schema(), recs)
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		var n int64
		err = d.InTx(ctx, func(tx Tx) error {
			var err error
			n, err = tx.(*duckTx).LoadReaderConst(ctx, "t", rdr, choice, cols...)
			return err
		})
		return n, err
	}
	names := []string{"a/o'neil.csv", `b/''x'' \n ü.csv`, "c/'); DROP TABLE t; --.csv"}

	// One value each: literals; the choice column (here present) is left out.
	n, err := load("__which", []arrow.RecordBatch{batch(true, []int64{1, 2, 3}, []int16{0, 0, 0})},
		ColumnValues{Column: "id", Values: []string{"L1"}}, ColumnValues{Column: "src", Values: []string{"s'rc"}}, ColumnValues{Column: "file", Values: names[:1]})
	if err != nil || n != 3 {
		t.Fatalf("literals: %d rows, %v", n, err)
	}
	// Several values: picked per row, over several batches.
	n, err = load("__which", []arrow.RecordBatch{batch(true, []int64{10, 11}, []int16{0, 1}), batch(true, []int64{12, 13, 14}, []int16{2, 2, 1})},
		ColumnValues{Column: "id", Values: []string{"L1", "L2", "L3"}}, ColumnValues{Column: "src", Values: []string{"s'rc"}}, ColumnValues{Column: "file", Values: names})
	if err != nil || n != 5 {
		t.Fatalf("choice: %d rows, %v", n, err)
	}
	// No choice column at all.
	n, err = load("", []arrow.RecordBatch{batch(false, []int64{20}, nil)},
		ColumnValues{Column: "id", Values: []string{"L3"}}, ColumnValues{Column: "src", Values: []string{"s'rc"}}, ColumnValues{Column: "file", Values: names[2:]})
	if err != nil || n != 1 {
		t.Fatalf("no choice: %d rows, %v", n, err)
	}

	recs, err := d.Query(ctx, `SELECT n, id, src, file, coalesce(v, '-') FROM t ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer Release(recs)
	var got []string
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			got = append(got, strings.Join([]string{StringAt(r, 1, i), StringAt(r, 2, i), StringAt(r, 3, i), StringAt(r, 4, i)}, "|"))
		}
	}
	want := []string{
		"L1|s'rc|" + names[0] + "|x", "L1|s'rc|" + names[0] + "|-", "L1|s'rc|" + names[0] + "|x",
		"L1|s'rc|" + names[0] + "|-", "L2|s'rc|" + names[1] + "|x", "L3|s'rc|" + names[2] + "|-", "L3|s'rc|" + names[2] + "|x", "L2|s'rc|" + names[1] + "|-",
		"L3|s'rc|" + names[2] + "|-",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stored:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Misuse is an error, not a wrong load.
	for name, cols := range map[string][]ColumnValues{
		"several values, no choice column": {{Column: "id", Values: []string{"a", "b"}}, {Column: "src", Values: []string{"s"}}, {Column: "file", Values: []string{"f"}}},
		"no value":                         {{Column: "id"}, {Column: "src", Values: []string{"s"}}, {Column: "file", Values: []string{"f"}}},
		"column also in the batches":       {{Column: "n", Values: []string{"1"}}, {Column: "id", Values: []string{"a"}}, {Column: "src", Values: []string{"s"}}, {Column: "file", Values: []string{"f"}}},
	} {
		if _, err := load("", []arrow.RecordBatch{batch(false, []int64{30}, nil)}, cols...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	var rows int64
	if err := d.QueryRow(ctx, `SELECT count(*) FROM t`, nil, &rows); err != nil || rows != 9 {
		t.Errorf("%d rows after the failed loads (%v), want 9", rows, err)
	}
}
