package source

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// The fuzz tests feed each reader of outside files arbitrary bytes. A
// reader may refuse a file (an error from Open or Next) but must not panic
// or hang, and what it returns must hold together: rows numbered in
// increasing order, a well-formed row with one field per header column,
// and, for a text file decoded from GBK, valid UTF-8. Seeds are below and
// in testdata/fuzz/<FuzzName>/ (inputs the fuzzers found, kept after the
// fix).

// maxFuzzRows bounds the rows read from one input.
const maxFuzzRows = 5000

// readChecked opens data (written to a file named name) with format and
// opts and checks the invariants of what it reads.
func readChecked(t *testing.T, format, name string, data []byte, opts Options, wantUTF8 bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rd, err := Open(format, path, opts)
	if err != nil {
		return
	}
	defer rd.Close()
	header := append([]string(nil), rd.Header()...)
	if wantUTF8 {
		for i, h := range header {
			if !utf8.ValidString(h) {
				t.Fatalf("header column %d %q is not valid UTF-8", i+1, h)
			}
		}
	}
	last := int64(0)
	for n := 0; n < maxFuzzRows; n++ {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			return // a file that stops parsing is rejected by ingest
		}
		if row == nil {
			t.Fatal("Next returned a nil row and no error")
		}
		if row.Num <= last {
			t.Fatalf("row number %d after %d", row.Num, last)
		}
		last = row.Num
		if row.Err != nil {
			continue
		}
		if len(row.Fields) != len(header) {
			t.Fatalf("row %d: %d fields for %d header columns and no error", row.Num, len(row.Fields), len(header))
		}
		if wantUTF8 {
			for i, f := range row.Fields {
				if !utf8.ValidString(f) {
					t.Fatalf("row %d field %d %q is not valid UTF-8", row.Num, i+1, f)
				}
			}
		}
	}
}

// textModes are the ways a text file is read, chosen by the fuzzer.
var textModes = []Options{
	{},
	{Delimiter: ';'},
	{Delimiter: '\t', NoHeader: true},
	{Whitespace: true},
	{SkipRows: 1, Comment: '#'},
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("a,b,c\n1,2,3\n4,5\n\"x,y\",\"q\"\"\",z\n"), uint8(0))
	f.Add([]byte("\xef\xbb\xbfName,Email\r\n#1001,a@b.cn\r\n"), uint8(0))
	f.Add([]byte("a;b\n1;2;3\n"), uint8(1))
	f.Add([]byte("1\t2\t3\n4\t5\t6\n"), uint8(2))
	f.Add([]byte("  id   amount\n  1  2.50\n\n  2 3\n"), uint8(3))
	f.Add([]byte("title line\n# comment\na,b\n1,2\n"), uint8(4))
	f.Add([]byte("a,\"b\nc,d\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opts := textModes[int(mode)%len(textModes)]
		readChecked(t, "csv", "f.csv", data, opts, false)
	})
}

func FuzzCSVGBK(f *testing.F) {
	gbk := func(s string) []byte {
		b, err := encodeGBK(s)
		if err != nil {
			panic(err)
		}
		return b
	}
	f.Add(gbk("小票号,门店编号,会员姓名\nR1,S01,张三\nR2,S02,\"李,四\"\n"), uint8(0))
	f.Add(gbk("小票号;门店编号\nR1;S01\n"), uint8(1))
	f.Add([]byte("\x81\x30\x81\x30,\xff\xfe\n\x80,\xa1\n"), uint8(0))
	f.Add(append(gbk("名称,值\n"), 0xd5, ',', '1', '\n'), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opts := textModes[int(mode)%len(textModes)]
		opts.Encoding = "gbk"
		readChecked(t, "csv", "f.csv", data, opts, true)
		opts.Encoding = "gb18030"
		readChecked(t, "csv", "f.csv", data, opts, true)
	})
}

func FuzzNDJSON(f *testing.F) {
	f.Add([]byte(`{"订单编号":"1","数量":2,"价":1.5,"x":null,"o":{"a":[1,2]}}` + "\n" + `{"订单编号":"2","数量":"3"}` + "\n"))
	f.Add([]byte("{\"a\":\"\\u00e9\\n\"}\r\n\n{\"a\":1}\n{bad\n"))
	f.Add([]byte(`{"a":1,"a":2}` + "\n" + `{"b":true}` + "\n"))
	f.Add([]byte(`[1,2]` + "\n"))
	f.Add([]byte(`{"a":"\ud800"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, "ndjson", "f.ndjson", data, Options{}, false)
	})
}

// xlsxSeed is a small workbook with a header and two rows.
func xlsxSeed(f *testing.F) []byte {
	x := excelize.NewFile()
	defer x.Close()
	for i, row := range [][]any{{"商品编码", "单位成本", "开业日期"}, {"SKU-1", 12.5, "2024-01-02"}, {"SKU-2", 7, nil}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			f.Fatal(err)
		}
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzXLSX(f *testing.F) {
	f.Add(xlsxSeed(f))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, "xlsx", "f.xlsx", data, Options{}, false)
	})
}

// parquetSeed is a small Parquet file of a string, an int and a timestamp
// column.
func parquetSeed(f *testing.F) []byte {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "订单号", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"A1", "A2"}, []bool{true, false})
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1700000000000000, 0}, []bool{true, false})
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(schema, &buf, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzParquet(f *testing.F) {
	seed := parquetSeed(f)
	f.Add(seed)
	f.Add([]byte("PAR1PAR1"))
	f.Add(append(append([]byte("PAR1"), bytes.Repeat([]byte{0}, 16)...), []byte("\x08\x00\x00\x00PAR1")...))
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, "parquet", "f.parquet", data, Options{}, false)
	})
}

// encodeGBK encodes s as GBK (the seeds are written in UTF-8 here).
func encodeGBK(s string) ([]byte, error) {
	return simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
}
