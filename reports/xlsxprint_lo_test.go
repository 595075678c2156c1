package reports

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestXLSXPrintedPages prints a workbook through LibreOffice (as a reader
// who presses Print would get it) and checks the pages: the KPI sheet, with
// 40 KPIs, on page 1 alone; a section sheet of 120 table rows on pages that
// each repeat its header row; the whole workbook on few pages. Needs
// soffice (libreoffice-calc) and pdftotext (poppler-utils), which .ci/run
// installs.
func TestXLSXPrintedPages(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed (apt-get install libreoffice-calc): printed-page test skipped")
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils): printed-page test skipped")
	}
	sc := testScorecard()
	for i := range 34 {
		sc.KPIs = append(sc.KPIs, KPI{Key: "extra_" + strconv.Itoa(i), Label: "Extra figure " + strconv.Itoa(i),
			Value: float64(i), Unit: UnitCount})
	}
	long := Table{Title: "Stores", Columns: []Column{{Name: "Store", Unit: UnitText}, {Name: "Net", Unit: UnitMoney}}}
	for i := range 120 {
		long.Rows = append(long.Rows, []any{"store " + strconv.Itoa(i), float64(i)})
	}
	sc.Sections = append(sc.Sections, Section{Name: "Long", Tables: []Table{long}})
	dir := t.TempDir()
	x := filepath.Join(dir, "book.xlsx")
	if err := WriteXLSX(sc, x); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "lo-profile"),
		"--convert-to", "pdf", "--outdir", dir, x)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf := filepath.Join(dir, "book.pdf")
	raw, err := exec.CommandContext(ctx, pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", pdf, err)
	}
	pages := strings.Split(strings.TrimRight(string(raw), "\f\n"), "\f")
	t.Logf("printed pages: %d", len(pages))
	if !strings.Contains(pages[0], "extra_33") || !strings.Contains(pages[0], "net_revenue") {
		t.Errorf("page 1 lacks the first or the last KPI: the KPI sheet is not on one page:\n%s", pages[0])
	}
	if len(pages) < 2 || !strings.Contains(pages[1], "Revenue 销售") {
		t.Fatalf("page 2 is not the first section sheet")
	}
	var long1 []int
	for i, p := range pages {
		if strings.Contains(p, "store ") {
			long1 = append(long1, i)
		}
	}
	if len(long1) < 2 {
		t.Fatalf("120 rows printed on %d pages, want several (the header repeat is not tested)", len(long1))
	}
	for _, i := range long1 {
		if !strings.Contains(pages[i], "Store") || !strings.Contains(pages[i], "Net") {
			t.Errorf("page %d of sheet Long lacks the repeated header row:\n%s", i+1, pages[i])
		}
	}
	// KPIs 1, Revenue 1, Lifecycle 2 (table and charts), Long 4 (about 33
	// rows fit a landscape A4 page), README 1.
	if len(pages) > 9 {
		t.Errorf("workbook printed on %d pages, want at most 9", len(pages))
	}
	if os.Getenv("CRMKIT_KEEP_PDF") != "" {
		_ = os.WriteFile(os.Getenv("CRMKIT_KEEP_PDF"), mustRead(t, pdf), 0o644)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
