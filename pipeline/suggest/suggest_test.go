package suggest

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestDetectEncoding(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("小票号,门店\nR1,上海\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want, text string
		head             []byte
	}{
		{"ascii", "utf-8", "a,b\n", []byte("a,b\n")},
		{"utf-8 with BOM", "utf-8", "订单编号,x\n", append([]byte{0xEF, 0xBB, 0xBF}, "订单编号,x\n"...)},
		{"utf-8 cut inside a character", "utf-8", "订单", []byte("订单编号")[:8]},
		{"gbk", "gbk", "小票号,门店\nR1,上海\n", gbk},
	}
	for _, c := range cases {
		enc, text := detectEncoding(c.head)
		if enc != c.want || text != c.text {
			t.Errorf("%s: %s %q, want %s %q", c.name, enc, text, c.want, c.text)
		}
	}
}

func TestDetectDelimiterAndHeader(t *testing.T) {
	cases := []struct {
		name, text string
		delim      rune
		ws, header bool
	}{
		{"comma with quoted commas", "a,b,c\n1,\"x, y\",3\n2,z,4\n", ',', false, true},
		{"tab", "a\tb\n1\t2\n", '\t', false, true},
		{"semicolon", "a;b;c\n1;2;3\n", ';', false, true},
		{"cdnow: runs of spaces, no header", " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n", 0, true, false},
		{"whitespace with a header", "id  date      amount\n1   20240101  3.5\n", 0, true, true},
		{"comma without header (a date first)", "2024-01-01,A,3\n2024-01-02,B,4\n", ',', false, false},
	}
	for _, c := range cases {
		d, ws := detectDelimiter(c.text)
		if d != c.delim || ws != c.ws {
			t.Errorf("%s: delimiter %q whitespace %v, want %q %v", c.name, d, ws, c.delim, c.ws)
		}
		if h := hasHeader(c.text, d, ws); h != c.header {
			t.Errorf("%s: header %v, want %v", c.name, h, c.header)
		}
	}
}

func TestLayoutOf(t *testing.T) {
	cases := []struct {
		name string
		vals []string
		want string
	}{
		{"iso", []string{"2024-03-09 10:01:58", ""}, "2006-01-02 15:04:05"},
		{"shopify with offset", []string{"2024-03-09 10:01:58 +0800"}, "2006-01-02 15:04:05 -0700"},
		{"us invoice dates", []string{"12/1/2010 8:26", "12/13/2010 17:05"}, "1/2/2006 15:04"},
		{"yyyymmdd", []string{"19970101", "19970118"}, "20060102"},
		{"one bad date in ten still finds the layout", []string{"2025/05/01 10:00:00", "2025/05/01 10:00:00", "2025/05/01 10:00:00", "2025/05/01 10:00:00",
			"2025/05/01 10:00:00", "2025/05/01 10:00:00", "2025/05/01 10:00:00", "2025/05/01 10:00:00", "2025/05/01 10:00:00", "2025/13/45 10:00:00"}, "2006/01/02 15:04:05"},
		{"not dates", []string{"abc", "12.5"}, ""},
	}
	for _, c := range cases {
		if got := layoutOf(c.vals); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSuggestCDNOW: a headerless whitespace purchase log is mapped by
// position (buyer before the date, then CDs and dollars) and its sample
// loads whole under the block.
func TestSuggestCDNOW(t *testing.T) {
	path := filepath.Join(t.TempDir(), "CDNOW_sample.txt")
	data := " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n 01101 0087 19970105  1    0.00\r\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	sg, err := Suggest(path)
	if err != nil {
		t.Fatal(err)
	}
	y := sg.YAML()
	for _, want := range []string{`delimiter: "whitespace"`, "header: false", `timestamp_layout: "20060102"`,
		`buyer_id: "2"`, `order_ts: "3"`, `qty: "4"`, `paid_amount: "5"`, "# not mapped: 1\n"} {
		if !strings.Contains(y, want) {
			t.Errorf("block lacks %q:\n%s", want, y)
		}
	}
	rep, err := Check(y, path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 3 || rep.Loaded != 3 || rep.Quarantined != 0 {
		t.Errorf("check %+v, want 3 rows all loaded", rep)
	}
}

// TestSuggestGzip: a gzip-compressed export named .gz gets the block of
// the same file uncompressed (format from the name under .gz, the layout
// sniffed from the decompressed text), and its check loads the same rows.
func TestSuggestGzip(t *testing.T) {
	dir := t.TempDir()
	data := " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n 01101 0087 19970105  1    0.00\r\n"
	plain := filepath.Join(dir, "CDNOW_sample.txt")
	if err := os.WriteFile(plain, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write([]byte(data))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "CDNOW_sample.txt.gz")
	if err := os.WriteFile(gz, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := Suggest(plain)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Suggest(gz)
	if err != nil {
		t.Fatal(err)
	}
	if got.Source.Name != "cdnow_sample" || got.Source.Format != "csv" {
		t.Errorf("name %q format %q, want cdnow_sample csv", got.Source.Name, got.Source.Format)
	}
	if g, w := strings.ReplaceAll(got.YAML(), gz, plain), want.YAML(); g != w {
		t.Errorf("block of the .gz file:\n%s\nwant (the plain file's):\n%s", g, w)
	}
	rep, err := Check(got.YAML(), gz)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 3 || rep.Loaded != 3 || rep.Quarantined != 0 {
		t.Errorf("check %+v, want 3 rows all loaded", rep)
	}
}

// TestCheckReportsQuarantine: a check names each reason with its rows.
// One date in four is bad, too many to settle a layout (80% must parse),
// so the default layouts stay and the bad one is reported.
func TestCheckReportsQuarantine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.csv")
	data := "Order,Created at,SKU,Qty,Price\nA1,2024-01-01 10:00:00,S1,1,2.5\nA2,2024-13-01 10:00:00,S1,1,2.5\nA3,2024-01-02 10:00:00,S1,x,2.5\n,2024-01-02 10:00:00,S1,1,2.5\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	sg, err := Suggest(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(sg.YAML(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := "check: 4 sampled rows: 1 would load, 3 would be quarantined\n" +
		"  1 × order_id missing_required (rows 5): required field order_id is empty\n" +
		"  1 × order_ts bad_date (rows 3): order_ts: cannot parse \"2024-13-01 10:00:00\" with layout \"2006-01-02 15:04:05|2006-01-02T15:04:05Z07:00|2006-01-02\"\n" +
		"  1 × qty bad_number (rows 4): qty: cannot parse \"x\" as an integer\n"
	if rep.String() != want {
		t.Errorf("got\n%s\nwant\n%s", rep.String(), want)
	}
}

// FuzzSuggest: any text file either is refused with an error or gets a
// block that Check can run; neither panics.
func FuzzSuggest(f *testing.F) {
	f.Add([]byte(" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n"))
	f.Add([]byte("InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice\nC1,S,-1,12/1/2010 8:26,2.5\n"))
	f.Add([]byte("\xd0\xa1\xc6\xb1\xba\xc5,x\nR1,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sg, err := Suggest(path)
		if err != nil {
			return
		}
		_, _ = Check(sg.YAML(), path)
	})
}

// TestSuggestReturnsOriginal: the returns block proposed for an
// invoice-line sample, by hand: original_from_prefix only when every
// sampled C… id without its C is another sampled line's invoice; a mapped
// original column (by a synonym) is proposed as a column instead.
func TestSuggestReturnsOriginal(t *testing.T) {
	const head = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
	cases := []struct {
		name, data string
		want       []string // lines the block has
		not        []string // lines it must not have
	}{
		{"cancellations numbered after their invoice",
			head + "536400,S1,12,1/5/2011 10:00,2.95,17850\n536401,S2,2,1/6/2011 10:00,1.5,12583\nC536400,S1,-2,2/3/2011 10:00,2.95,17850\nC536401,S2,-1,2/4/2011 10:00,1.5,12583\n",
			[]string{`order_id_prefix: "C"`, "original_from_prefix: true", "each of the 2 sampled C… returns"}, nil},
		{"cancellations from the invoices' own counter",
			head + "536400,S1,12,1/5/2011 10:00,2.95,17850\nC536379,S1,-2,2/3/2011 10:00,2.95,17850\n",
			[]string{`order_id_prefix: "C"`}, []string{"original_from_prefix"}},
		{"one cancellation of two names no sampled invoice",
			head + "536400,S1,12,1/5/2011 10:00,2.95,17850\nC536400,S1,-2,2/3/2011 10:00,2.95,17850\nC536379,S1,-1,2/3/2011 11:00,2.95,17850\n",
			[]string{`order_id_prefix: "C"`}, []string{"original_from_prefix"}},
		{"a column naming the original",
			"InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,Original Order ID\n536400,S1,12,1/5/2011 10:00,2.95,\nC536400,S1,-2,2/3/2011 10:00,2.95,536400\n",
			[]string{`original_order_id: "Original Order ID"`, `order_id_prefix: "C"`}, []string{"original_from_prefix"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "invoices.csv")
			if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			sg, err := Suggest(path)
			if err != nil {
				t.Fatal(err)
			}
			y := sg.YAML()
			for _, w := range c.want {
				if !strings.Contains(y, w) {
					t.Errorf("block lacks %q:\n%s", w, y)
				}
			}
			for _, w := range c.not {
				if strings.Contains(y, w) {
					t.Errorf("block has %q:\n%s", w, y)
				}
			}
			rep, err := Check(y, path)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Quarantined != 0 {
				t.Errorf("check: %s", rep.String())
			}
		})
	}
}
