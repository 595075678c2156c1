package clv

import (
	"bufio"
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// CDNOW test data (testdata/, byte copies of the shared CDNOW files).
const (
	cdnowSampleFile  = "testdata/CDNOW_sample.txt"
	cdnowSummaryFile = "testdata/cdnow_customers_summary.csv"
	cdnowZbarFile    = "testdata/cdnow_customers_summary_with_transactions.csv"
)

var (
	cdnowCalEnd     = time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	cdnowHoldoutEnd = time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)
)

// loadCDNOWSample reads CDNOW_sample.txt (master id, sample id, YYYYMMDD,
// number of CDs, dollar value) as transactions keyed by the sample id
// without leading zeros, as in the summary CSVs.
func loadCDNOWSample(tb testing.TB) []Txn {
	tb.Helper()
	f, err := os.Open(cdnowSampleFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []Txn
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 5 {
			tb.Fatalf("bad line %q", sc.Text())
		}
		id, err := strconv.Atoi(fields[1])
		if err != nil {
			tb.Fatal(err)
		}
		day, err := time.Parse("20060102", fields[2])
		if err != nil {
			tb.Fatal(err)
		}
		amt, err := strconv.ParseFloat(fields[4], 64)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Txn{CustomerID: strconv.Itoa(id), Time: day, Amount: amt})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// readCSV returns the rows of a CSV file without its header.
func readCSV(tb testing.TB, path string, wantHeader string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != wantHeader {
		tb.Fatalf("%s: header %q, want %q", path, got, wantHeader)
	}
	return rows[1:]
}

func atof(tb testing.TB, s string) float64 {
	tb.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func atoi(tb testing.TB, s string) int {
	tb.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// loadCDNOWSummary reads cdnow_customers_summary.csv (ID,frequency,recency,T)
// as summaries in file order.
func loadCDNOWSummary(tb testing.TB) []Summary {
	tb.Helper()
	var out []Summary
	for _, r := range readCSV(tb, cdnowSummaryFile, "ID,frequency,recency,T") {
		out = append(out, Summary{ID: r[0], X: atoi(tb, r[1]), TX: atof(tb, r[2]), T: atof(tb, r[3])})
	}
	return out
}

// loadCDNOWZbar reads cdnow_customers_summary_with_transactions.csv
// (ID,x,t_x,T,zbar) as summaries in file order.
func loadCDNOWZbar(tb testing.TB) []Summary {
	tb.Helper()
	var out []Summary
	for _, r := range readCSV(tb, cdnowZbarFile, "ID,x,t_x,T,zbar") {
		out = append(out, Summary{ID: r[0], X: atoi(tb, r[1]), TX: atof(tb, r[2]), T: atof(tb, r[3]), MeanSpend: atof(tb, r[4])})
	}
	return out
}
