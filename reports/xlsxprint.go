package reports

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Paper size code of A4 in SpreadsheetML page setup.
const xlsxPaperA4 = 9

// xlsxTable is one block of a sheet that gets its own filter: a header row
// and the data rows under it (lastRow == headRow when it has none).
type xlsxTable struct {
	headRow, lastRow, cols int
}

// printSetup makes a sheet print as people expect: A4 landscape, scaled to
// one page wide (onePage: one page tall too), with titleRows (first, last;
// 0 for none) repeated at the top of every printed page and narrow margins.
func (w *xlsxWriter) printSetup(sheet string, onePage bool, titleFirst, titleLast int) error {
	tall := 0 // as many pages tall as the rows need
	if onePage {
		tall = 1
	}
	if err := w.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return err
	}
	if err := w.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size:        ptr(xlsxPaperA4),
		Orientation: ptr("landscape"),
		FitToWidth:  ptr(1),
		FitToHeight: ptr(tall),
	}); err != nil {
		return err
	}
	if err := w.f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: ptr(0.4), Right: ptr(0.4), Top: ptr(0.5), Bottom: ptr(0.5),
		Header: ptr(0.2), Footer: ptr(0.2),
	}); err != nil {
		return err
	}
	if err := w.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddFooter: "&L&A&R&P / &N",
	}); err != nil {
		return err
	}
	if titleFirst > 0 {
		return w.f.SetDefinedName(&excelize.DefinedName{
			Name:     "_xlnm.Print_Titles",
			RefersTo: fmt.Sprintf("%s!$%d:$%d", quoteSheet(sheet), titleFirst, titleLast),
			Scope:    sheet,
		})
	}
	return nil
}

// addFilters turns every block of the sheet into an Excel table with a
// filter button on each header (a sheet can hold only one plain
// autofilter, but one table each). A block without data rows or whose
// headers are not distinct non-empty texts (Excel requires both of a table)
// gets no filter.
func (w *xlsxWriter) addFilters(sheet string, blocks []xlsxTable) error {
	for _, b := range blocks {
		if b.lastRow <= b.headRow || b.cols == 0 {
			continue
		}
		seen := map[string]bool{}
		ok := true
		for c := 1; c <= b.cols; c++ {
			v, err := w.f.GetCellValue(sheet, cellName(c, b.headRow))
			if err != nil {
				return err
			}
			if v == "" || seen[v] {
				ok = false
				break
			}
			seen[v] = true
		}
		if !ok {
			continue
		}
		w.tables++
		if err := w.f.AddTable(sheet, &excelize.Table{
			Range:          cellName(1, b.headRow) + ":" + cellName(b.cols, b.lastRow),
			Name:           "T" + strconv.Itoa(w.tables),
			ShowRowStripes: ptr(false),
		}); err != nil {
			return fmt.Errorf("filter on rows %d-%d: %w", b.headRow, b.lastRow, err)
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
