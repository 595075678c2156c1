package segmentfile

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/xuri/excelize/v2"
)

// cellValue returns the value of row i of arr for a spreadsheet: nil for a
// null, int64, float64 or bool for numeric and boolean columns, and for
// everything else the text passed through SafeCell.
func cellValue(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Boolean:
		return a.Value(i)
	}
	return SafeCell(cellString(arr, i))
}

// csvText renders a cell value for CSV.
func csvText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

func header(rec arrow.RecordBatch) []string {
	h := make([]string, rec.NumCols())
	for i, f := range rec.Schema().Fields() {
		h[i] = SafeCell(f.Name)
	}
	return h
}

// writeCSV writes UTF-8 with a byte order mark and a header row.
func writeCSV(recs []arrow.RecordBatch, f *os.File, _ Options) error {
	bw := bufio.NewWriterSize(f, 1<<16)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	w := csv.NewWriter(bw)
	// LF line ends: with UseCRLF encoding/csv would drop a carriage return
	// inside a field; Excel reads either.
	if err := w.Write(header(recs[0])); err != nil {
		return err
	}
	row := make([]string, recs[0].NumCols())
	for _, rec := range recs {
		cols := rec.Columns()
		for i := 0; i < int(rec.NumRows()); i++ {
			for c, arr := range cols {
				row[c] = csvText(cellValue(arr, i))
			}
			if err := w.Write(row); err != nil {
				return err
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeXLSX writes one sheet with a bold, frozen header row.
func writeXLSX(recs []arrow.RecordBatch, f *os.File, opts Options) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := opts.Sheet
	if sheet == "" {
		sheet = "segment"
	}
	if err := x.SetSheetName(x.GetSheetName(0), sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	hdr := header(recs[0])
	for c, h := range hdr {
		width := float64(len([]rune(h)) + 4)
		if width < 12 {
			width = 12
		}
		if err := sw.SetColWidth(c+1, c+1, width); err != nil {
			return err
		}
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	vals := make([]any, len(hdr))
	for c, h := range hdr {
		vals[c] = h
	}
	if err := sw.SetRow("A1", vals, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	r := 2
	for _, rec := range recs {
		cols := rec.Columns()
		for i := 0; i < int(rec.NumRows()); i++ {
			for c, arr := range cols {
				vals[c] = cellValue(arr, i)
			}
			cell, err := excelize.CoordinatesToCellName(1, r)
			if err != nil {
				return err
			}
			if err := sw.SetRow(cell, vals); err != nil {
				return err
			}
			r++
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(f)
}

// writeParquet writes the typed columns with Snappy compression.
func writeParquet(recs []arrow.RecordBatch, f *os.File, _ Options) error {
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))
	// the writer closes its sink; the caller closes f after syncing it
	sink := struct{ io.Writer }{f}
	w, err := pqarrow.NewFileWriter(recs[0].Schema(), sink, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if !rec.Schema().Equal(recs[0].Schema()) {
			w.Close()
			return fmt.Errorf("record batches with different schemas: %s and %s", recs[0].Schema(), rec.Schema())
		}
		if rec.NumRows() == 0 {
			continue
		}
		if err := w.WriteBuffered(rec); err != nil {
			w.Close()
			return err
		}
	}
	return w.Close()
}
