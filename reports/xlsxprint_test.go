package reports

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXPrintSettings reads the print settings back from a written
// workbook: every sheet A4 landscape, one page wide; the KPI sheet first and
// one page tall; the first table's header row repeated on each printed page
// of a section sheet; a filter (Excel table) on every table and chart data
// block. Row numbers follow the layout of sectionSheet for testScorecard:
// title, note, blank line, then each table (title, header, rows, blank).
func TestXLSXPrintSettings(t *testing.T) {
	sc := testScorecard()
	path := filepath.Join(t.TempDir(), "print.xlsx")
	if err := WriteXLSX(sc, path); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList()[0]; got != SheetKPIs {
		t.Fatalf("first sheet = %q, want %q", got, SheetKPIs)
	}
	tests := []struct {
		sheet  string
		tall   int    // FitToHeight: 1 = one page, 0 = as many as needed
		titles string // print titles, "" for none
		tables []string
	}{
		{SheetKPIs, 1, "'KPIs'!$1:$1", []string{"A1:J7"}},
		// By store: title row 4, header 5, rows 6-8; Top customers: title
		// 10, header 11, rows 12-13; chart data "revenue": header 16, six
		// months 17-22; chart data "stores" after the 17 rows kept for the
		// chart: header 35, rows 36-38.
		{"Revenue 销售", 0, "'Revenue 销售'!$5:$5", []string{"A5:F8", "A11:C13", "A16:C22", "A35:B38"}},
		// no note: header 3, rows 4-7; funnel 10-14; retention 29-35; mix 48-52.
		{"Lifecycle 生命周期", 0, "'Lifecycle 生命周期'!$3:$3", []string{"A3:C7", "A10:B14", "A29:C35", "A48:B52"}},
		{SheetReadme, 0, "", nil},
	}
	names := f.GetDefinedName()
	for _, tc := range tests {
		t.Run(tc.sheet, func(t *testing.T) {
			pl, err := f.GetPageLayout(tc.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if pl.Orientation == nil || *pl.Orientation != "landscape" {
				t.Errorf("orientation = %v, want landscape", deref(pl.Orientation))
			}
			if pl.Size == nil || *pl.Size != xlsxPaperA4 {
				t.Errorf("paper size = %v, want %d (A4)", deref(pl.Size), xlsxPaperA4)
			}
			if pl.FitToWidth == nil || *pl.FitToWidth != 1 {
				t.Errorf("fit to width = %v, want 1", deref(pl.FitToWidth))
			}
			if got := deref(pl.FitToHeight); got != tc.tall {
				t.Errorf("fit to height = %v, want %d", got, tc.tall)
			}
			props, err := f.GetSheetProps(tc.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if props.FitToPage == nil || !*props.FitToPage {
				t.Error("fit to page is not enabled, so Excel ignores the fit settings")
			}
			var titles string
			for _, n := range names {
				if n.Name == "_xlnm.Print_Titles" && n.Scope == tc.sheet {
					titles = n.RefersTo
				}
			}
			if titles != tc.titles {
				t.Errorf("print titles = %q, want %q", titles, tc.titles)
			}
			tables, err := f.GetTables(tc.sheet)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tb := range tables {
				got = append(got, tb.Range)
			}
			if !slices.Equal(got, tc.tables) {
				t.Errorf("filtered tables = %q, want %q", got, tc.tables)
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
