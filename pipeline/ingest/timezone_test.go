package ingest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/xuri/excelize/v2"

	"github.com/crmkit/crmkit/config"
)

// London moved from GMT (UTC+0) to BST (UTC+1) at 01:00 UTC on 2011-03-27.
// An invoice at 12:05 London time on the 26th is 12:05 UTC; on the 28th it
// is 11:05 UTC. Each format carries the two naive times and must store
// those instants; a Parquet TIMESTAMP adjusted to UTC is an instant already
// and is stored as written whatever the source's zone.
var (
	london, _ = time.LoadLocation("Europe/London")
	dstWall   = []time.Time{time.Date(2011, 3, 26, 12, 5, 0, 0, time.UTC), time.Date(2011, 3, 28, 12, 5, 0, 0, time.UTC)}
	dstWant   = []time.Time{time.Date(2011, 3, 26, 12, 5, 0, 0, time.UTC), time.Date(2011, 3, 28, 11, 5, 0, 0, time.UTC)}
)

func dstSource(format, layout string) *config.Source {
	return &config.Source{Name: "retail", Table: "order_lines", Channel: "online", Path: "in/*", Format: format, Encoding: "utf-8",
		TimestampLayout: layout, Location: london,
		Columns: map[string]string{"order_id": "InvoiceNo", "order_ts": "InvoiceDate", "sku": "StockCode", "qty": "Quantity", "unit_price": "UnitPrice"}}
}

func writeDSTFile(t *testing.T, dir, format string, adjustedToUTC bool) {
	t.Helper()
	path := filepath.Join(dir, "in", "invoices."+format)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var body string
	switch format {
	case "csv":
		body = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\n"
		for i, w := range dstWall {
			body += "I" + string(rune('1'+i)) + ",S,1," + w.Format("1/2/2006 15:04") + ",2.5\n"
		}
	case "ndjson":
		for i, w := range dstWall {
			body += `{"InvoiceNo":"I` + string(rune('1'+i)) + `","StockCode":"S","Quantity":1,"InvoiceDate":"` + w.Format("2006-01-02 15:04:05") + `","UnitPrice":2.5}` + "\n"
		}
	case "xlsx":
		f := excelize.NewFile()
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm:ss")})
		if err != nil {
			t.Fatal(err)
		}
		rows := [][]any{{"InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"}}
		for i, w := range dstWall {
			rows = append(rows, []any{"I" + string(rune('1'+i)), "S", 1, w, 2.5})
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.SetCellStyle("Sheet1", "D2", "D3", style); err != nil {
			t.Fatal(err)
		}
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		return
	case "parquet":
		tz := ""
		if adjustedToUTC {
			tz = "UTC"
		}
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "InvoiceNo", Type: arrow.BinaryTypes.String}, {Name: "StockCode", Type: arrow.BinaryTypes.String},
			{Name: "Quantity", Type: arrow.PrimitiveTypes.Int64},
			{Name: "InvoiceDate", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: tz}},
			{Name: "UnitPrice", Type: arrow.PrimitiveTypes.Float64},
		}, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		for i, w := range dstWall {
			b.Field(0).(*array.StringBuilder).Append("I" + string(rune('1'+i)))
			b.Field(1).(*array.StringBuilder).Append("S")
			b.Field(2).(*array.Int64Builder).Append(1)
			// A naive value holds the wall clock's fields as if UTC.
			b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(w.UnixMicro()))
			b.Field(4).(*array.Float64Builder).Append(2.5)
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		pf, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w, err := pqarrow.NewFileWriter(schema, pf, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestNaiveTimestampsAcrossDST: one case per format.
func TestNaiveTimestampsAcrossDST(t *testing.T) {
	cases := []struct {
		name, format, layout string
		adjustedToUTC        bool
		want                 []time.Time
	}{
		{"csv strings", "csv", "1/2/2006 15:04", false, dstWant},
		{"ndjson strings", "ndjson", "2006-01-02 15:04:05", false, dstWant},
		{"xlsx dates", "xlsx", "2006-01-02 15:04:05", false, dstWant},
		{"parquet TIMESTAMP not adjusted to UTC", "parquet", time.RFC3339, false, dstWant},
		{"parquet TIMESTAMP adjusted to UTC", "parquet", time.RFC3339, true, dstWall},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeDSTFile(t, dir, c.format, c.adjustedToUTC)
			wh := openWH(t)
			res := ingestAll(t, wh, cfgFor(dir, dstSource(c.format, c.layout)))
			if r := res[0]; r.RowsLoaded != 2 || r.RowsQuarantined != 0 {
				var qs []string
				rows, _ := wh.DB().Query(`SELECT reason || ': ' || coalesce(detail, '') FROM quarantine`)
				for rows != nil && rows.Next() {
					var s string
					_ = rows.Scan(&s)
					qs = append(qs, s)
				}
				t.Fatalf("loaded/quarantined = %d/%d, want 2/0 (%s; files %+v)", r.RowsLoaded, r.RowsQuarantined, strings.Join(qs, "; "), r.Files)
			}
			got := readLines(t, wh, "true")
			for i, g := range got {
				if !g.ts.Equal(c.want[i]) {
					t.Errorf("row %d: stored %s, want %s", i+1, g.ts.UTC().Format(time.RFC3339), c.want[i].Format(time.RFC3339))
				}
			}
		})
	}
}
