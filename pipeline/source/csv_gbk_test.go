package source

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// openStreamCSV is the reference: the reader's whole-stream path
// (newCSVReader without a field decoder), which decodes the file before
// encoding/csv parses it, as every GBK/GB18030 file was read before the
// raw-byte path.
func openStreamCSV(path string, opts Options) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	delim := ','
	if opts.Delimiter != 0 {
		delim = opts.Delimiter
	}
	c, err := newCSVReader(f, opts, delim, nil)
	if err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

// rowText is what ingest takes from a row: its number, fields, error and
// quarantine text (Raw, or the fields joined with ',' when Raw is empty).
type rowText struct {
	Num    int64
	Fields []string
	Raw    string
	Err    string
}

func textOf(r *Row) rowText {
	t := rowText{Num: r.Num, Fields: append([]string{}, r.Fields...), Raw: r.Raw}
	if r.Err != nil {
		t.Err = r.Err.Error()
	}
	if t.Raw == "" {
		t.Raw = strings.Join(r.Fields, ",")
	}
	return t
}

type csvResult struct {
	header  []string
	rows    []rowText
	openErr string
	readErr string
}

func readAll(open func() (Reader, error)) csvResult {
	var res csvResult
	rd, err := open()
	if err != nil {
		res.openErr = err.Error()
		return res
	}
	defer rd.Close()
	res.header = rd.Header()
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return res
		}
		if err != nil {
			res.readErr = err.Error()
			return res
		}
		res.rows = append(res.rows, textOf(row))
	}
}

// readBoth reads content as a CSV file with the reader and with the
// stream-decoding reference.
func readBoth(t *testing.T, content []byte, opts Options) (got, want csvResult, fast bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	got = readAll(func() (Reader, error) {
		rd, err := openCSV(path, opts)
		if err == nil {
			fast = rd.(*csvReader).dec != nil
		}
		return rd, err
	})
	want = readAll(func() (Reader, error) { return openStreamCSV(path, opts) })
	return got, want, fast
}

func encodeText(t *testing.T, enc, s string) []byte {
	t.Helper()
	e := simplifiedchinese.GBK.NewEncoder()
	if enc == "gb18030" {
		e = simplifiedchinese.GB18030.NewEncoder()
	}
	b, err := e.Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q as %s: %v", s, enc, err)
	}
	return b
}

// writeCSV writes records as CSV text (UTF-8) with delimiter delim.
func writeCSV(t *testing.T, records [][]string, delim rune) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma = delim
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// wellFormed are records that encode in both GBK and GB18030 (GB18030-only
// characters are in TestCSVGB18030FourByte). The names hold characters whose
// second GBK byte is in 0x40–0x7E: 丂 81 40, 丒 81 45, 乗 81 5C, 亄 81 7B,
// 亅 81 7C ('|'), 億 83 7C, 亊 81 7E.
var wellFormed = [][]string{
	{"姓名", " 门店编号 ", "门店", "金额", "备注"},
	{"张三", "北京, 朝阳区", "门店A", "￥12.50", "plain ascii"},
	{"丂丒乗", "S001", "亄亅億亊", "12.00", ""},
	{"", "", "", "", ""},
	{"李\"四\"", "多行\n地址\n第三行", "店;分号", "a\tb", "x|y"},
	{"亅|億", "123", "；，", "€1", "王五 "},
	{"ascii", "only", "row", "1", "2"},
	{"亅", "亅", "亅", "亅", "亅"},
	{"丂丂", "丂丂", "丂丂", "丂丂", "丂丂"},
	{"丂丂", "北京, 朝阳区", "门店A", "￥12.50", "repeat"},
	{"短", "一二三", "x", "y"}, // wrong column count
}

// TestCSVGBKWellFormed: a file written from UTF-8 records and encoded as
// GBK/GB18030 reads back as those records, the same as the stream-decoding
// reference, for fast-path and stream delimiters.
func TestCSVGBKWellFormed(t *testing.T) {
	for _, enc := range []string{"gbk", "gb18030", "GBK"} {
		for _, d := range []struct {
			delim rune
			fast  bool
		}{
			{',', true}, {';', enc != "gb18030"}, {'\t', true}, {'|', false}, {0, true},
		} {
			t.Run(fmt.Sprintf("%s/%q", enc, d.delim), func(t *testing.T) {
				delim := d.delim
				if delim == 0 {
					delim = ','
				}
				text := writeCSV(t, wellFormed, delim)
				got, want, fast := readBoth(t, encodeText(t, strings.ToLower(enc), text), Options{Encoding: enc, Delimiter: d.delim})
				if fast != d.fast {
					t.Errorf("fast path %v, want %v", fast, d.fast)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("differs from the stream decoder:\n got %+v\nwant %+v", got, want)
				}
				wantHeader := []string{"姓名", "门店编号", "门店", "金额", "备注"}
				if !reflect.DeepEqual(got.header, wantHeader) {
					t.Errorf("header %q, want %q", got.header, wantHeader)
				}
				if len(got.rows) != len(wellFormed)-1 {
					t.Fatalf("%d rows, want %d", len(got.rows), len(wellFormed)-1)
				}
				for i, r := range got.rows {
					if r.Num != int64(i+2) || !reflect.DeepEqual(r.Fields, wellFormed[i+1]) {
						t.Errorf("row %d: %d %q, want %d %q", i, r.Num, r.Fields, i+2, wellFormed[i+1])
					}
				}
				if last := got.rows[len(got.rows)-1]; !strings.Contains(last.Err, "wrong column count") {
					t.Errorf("short row: err %q", last.Err)
				}
			})
		}
	}
}

// TestCSVGBKRawBytes: hand-made byte sequences, malformed CSV and invalid
// GBK/GB18030 bytes included, read the same as with the stream decoder:
// same header, row numbers, fields, errors and quarantine text.
func TestCSVGBKRawBytes(t *testing.T) {
	zhang := "\xd5\xc5"          // 张
	san := "\xc8\xfd"            // 三
	yi := "\x81\x7c"             // 亅 (second byte '|')
	four := "\x95\x32\x82\x36"   // 𠀀 in GB18030, invalid in GBK
	four80 := "\x81\x30\x81\x30" // U+0080 in GB18030
	cases := []struct {
		name string
		body string // D stands for the delimiter
	}{
		{"plain", "a" + zhang + "D" + san + "D\n1D2D3\n"},
		{"empty fields", "aDbDc\nDD\n" + zhang + "DD\nDD" + san + "\n"},
		{"quoted delimiter and newline", "aDbDc\n\"" + zhang + "D" + san + "\"D\"x\n" + yi + "\ny\"D\"\"\"\"" + zhang + "\"\"\"\n"},
		{"crlf", "aDbDc\r\n" + zhang + "D\"" + san + "\r\n" + yi + "\"Dz\r\n"},
		{"lone lead byte before delimiter", "aDbDc\n\x81D\xfeD\xd5\n"},
		{"lone lead byte at end of file", "aDbDc\n1D2D\xd5"},
		{"lone lead byte before newline", "aDbDc\n1D2D\xd5\n3D4D5\n"},
		{"lone lead byte before crlf", "aDbDc\r\n1D2D\xd5\r\n3D4D5\r\n"},
		{"lead byte before closing quote", "aDbDc\n\"\x81\"D\"x\xd5\"Dz\n"},
		{"lead byte before doubled quote", "aDbDc\n\"\x81\"\"\x40\"DyDz\n"},
		{"lead byte before quoted crlf", "aDbDc\n\"x\x81\r\n\x40\"DyDz\n"},
		{"0x80 0xff", "aDbDc\n\x80D\xffD\xff\xff\x80" + zhang + "\n"},
		{"lead then digit", "aDbDc\n\x81\x30D\x81\x39\x81D" + four + "\n"},
		{"four-byte", "aDbDc\n" + four + "D" + four80 + "Dx" + four + "y\n"},
		{"truncated four-byte", "aDbDc\n\x95\x32\x82D\x95\x32D\x95\n"},
		{"four-byte split by delimiter", "aDbDc\n\x81D\x81\x30\x81\x30D\x81\x3b\x81\x30\n"},
		{"semicolon after lead", "aDbDc\n\x81;\x81\x30\x81\x30DxDy\n"},
		{"bare quote", "aDbDc\n" + zhang + "D" + san + "Dx\"y\n1D2D3\n"},
		{"extraneous quote", "aDbDc\n" + zhang + "D\"" + san + "\x81\"xDy\n1D2D3\n"},
		{"unterminated quote", "aDbDc\n" + zhang + "D\"" + san + "\nmore\n"},
		{"wrong column count", "aDbDc\n" + zhang + "\n" + zhang + "D" + san + "D" + yi + "D" + yi + "\n"},
		{"header with spaces and invalid bytes", " " + zhang + " D\x81 D c\xff \n1D2D3\n"},
		{"blank lines", "aDbDc\n\n" + zhang + "DxDy\n\n\n1D2D3\n"},
		{"header only", "a" + zhang + "DbDc\n"},
		{"empty file", ""},
		{"gbk trail bytes", "aDbDc\n" + yi + "D\x81\x40\x81\x5c\x81\x7bD\x83\x7c\x81\x7e\n"},
		{"repeated values", "aDbDc\n" + zhang + "D" + san + "D" + zhang + "\n" + zhang + "D" + san + "D" + san + "\n" + zhang + "D\x81D" + zhang + "\n" + zhang + "D\x81D" + zhang + "\n"},
	}
	for _, enc := range []string{"gbk", "gb18030"} {
		for _, delim := range []rune{',', ';', '\t', '|'} {
			for _, c := range cases {
				t.Run(fmt.Sprintf("%s/%q/%s", enc, delim, c.name), func(t *testing.T) {
					body := strings.ReplaceAll(c.body, "D", string(delim))
					got, want, _ := readBoth(t, []byte(body), Options{Encoding: enc, Delimiter: delim})
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("differs from the stream decoder:\n got %+v\nwant %+v", got, want)
					}
				})
			}
		}
	}
}

// TestCSVGB18030FourByte: characters outside GBK (four-byte GB18030
// sequences) decode in fields, quoted and not.
func TestCSVGB18030FourByte(t *testing.T) {
	records := [][]string{
		{"名称", "说明"},
		{"𠀀😀", "a\u0080b"},
		{"x, 😀", "多\n行 𠀀"},
		{"😀", "😀"},
	}
	for _, delim := range []rune{',', '\t', ';', '|'} {
		t.Run(fmt.Sprintf("%q", delim), func(t *testing.T) {
			content := encodeText(t, "gb18030", writeCSV(t, records, delim))
			got, want, fast := readBoth(t, content, Options{Encoding: "gb18030", Delimiter: delim})
			if fast != (delim == ',' || delim == '\t') {
				t.Errorf("fast path %v for %q", fast, delim)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("differs from the stream decoder:\n got %+v\nwant %+v", got, want)
			}
			if !reflect.DeepEqual(got.header, records[0]) {
				t.Errorf("header %q", got.header)
			}
			for i, r := range got.rows {
				if !reflect.DeepEqual(r.Fields, records[i+1]) {
					t.Errorf("row %d: %q, want %q", r.Num, r.Fields, records[i+1])
				}
			}
		})
	}
}

// TestCSVGB18030SemicolonNotSplit shows why ';' (and any byte 0x30–0x3F) is
// not a fast-path delimiter for GB18030: golang.org/x/text's GB18030 decoder
// takes a lead byte, ';', a lead byte and a digit as one four-byte
// character, so the stream decoder does not see that ';' as a delimiter
// while decoding the split fields would.
func TestCSVGB18030SemicolonNotSplit(t *testing.T) {
	dec := simplifiedchinese.GB18030.NewDecoder()
	whole, err := dec.String("\x81;\x81\x30")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(whole, ";") {
		t.Skipf("decoder no longer takes ';' into a four-byte character (%q)", whole)
	}
	if rawDecoder("gb18030", ';') != nil {
		t.Errorf("';' parsed on raw GB18030 bytes")
	}
	// For GBK a lead byte followed by ';' is an invalid byte on its own.
	if s, _ := simplifiedchinese.GBK.NewDecoder().String("\x81;\x81\x30"); s != "\ufffd;\ufffd0" {
		t.Errorf("GBK decodes to %q", s)
	}
	if rawDecoder("gbk", ';') == nil {
		t.Errorf("';' not parsed on raw GBK bytes")
	}
}

// TestCSVRawDecoderDelimiters: which delimiters parse on raw bytes.
func TestCSVRawDecoderDelimiters(t *testing.T) {
	for _, c := range []struct {
		enc   string
		delim rune
		fast  bool
	}{
		{"gbk", ',', true}, {"gbk", ';', true}, {"gbk", '\t', true}, {"gbk", ' ', true}, {"gbk", ':', true},
		{"gbk", '|', false}, {"gbk", '@', false}, {"gbk", '，', false}, {"gbk", '^', false}, {"gbk", -1, false},
		{"gb18030", ',', true}, {"gb18030", '\t', true}, {"gb18030", ';', false}, {"gb18030", '0', false},
		{"gb18030", '|', false}, {"GB18030", ',', true},
		{"utf-8", ',', false}, {"", ',', false},
	} {
		if got := rawDecoder(c.enc, c.delim) != nil; got != c.fast {
			t.Errorf("%s %q: raw %v, want %v", c.enc, c.delim, got, c.fast)
		}
	}
}

// TestCSVGBKRandom compares with the stream decoder on random files made of
// the bytes that matter: delimiters, quotes, line ends, lead and trail
// bytes, digits, 0x80 and 0xFF.
func TestCSVGBKRandom(t *testing.T) {
	pieces := []string{
		",", ";", "\t", "|", "\"", "\"\"", "\n", "\r\n", "\r", " ", "a", "0", "9", ":", "@",
		"\x80", "\x81", "\xfe", "\xff", "\x40", "\x7c", "\x7e", "\x3b", "\x30",
		"\xd5\xc5", "\x81\x40", "\x81\x7c", "\x95\x32\x82\x36", "\x81\x30\x81\x30", "\x81\x30", "\x81\x3b\x81\x30",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	path := filepath.Join(t.TempDir(), "r.csv")
	n := 200
	if testing.Short() {
		n = 50
	}
	for i := 0; i < n; i++ {
		var b bytes.Buffer
		for k := rng.IntN(60); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		for _, enc := range []string{"gbk", "gb18030"} {
			for _, delim := range []rune{',', ';', '\t', '|'} {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				opts := Options{Encoding: enc, Delimiter: delim}
				got := readAll(func() (Reader, error) { return openCSV(path, opts) })
				want := readAll(func() (Reader, error) { return openStreamCSV(path, opts) })
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s %q %q:\n got %+v\nwant %+v", enc, delim, b.Bytes(), got, want)
				}
			}
		}
	}
}

// TestCSVGBKManyValues: a column with more distinct values than the
// decoding cache holds, next to columns that repeat, reads the same as with
// the stream decoder.
func TestCSVGBKManyValues(t *testing.T) {
	records := [][]string{{"姓名", "门店", "商品"}}
	for i := 0; i < 3*maxCached; i++ {
		records = append(records, []string{
			fmt.Sprintf("张%d三", i),
			fmt.Sprintf("门店%d", i%7),
			fmt.Sprintf("商品丂%d", (i*7919)%(maxCached+100)),
		})
	}
	content := encodeText(t, "gbk", writeCSV(t, records, ','))
	got, want, fast := readBoth(t, content, Options{Encoding: "gbk"})
	if !fast {
		t.Fatal("not parsed on raw bytes")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("differs from the stream decoder")
	}
	for i, r := range got.rows {
		if !reflect.DeepEqual(r.Fields, records[i+1]) {
			t.Fatalf("row %d: %q, want %q", r.Num, r.Fields, records[i+1])
		}
	}
}

// TestCSVGBKFiles compares with the stream decoder on real files, e.g.
// CRMKIT_CSV_GBK_GLOB='/data/pos/receipts_*.csv' (skipped when unset).
func TestCSVGBKFiles(t *testing.T) {
	glob := os.Getenv("CRMKIT_CSV_GBK_GLOB")
	if glob == "" {
		t.Skip("CRMKIT_CSV_GBK_GLOB not set")
	}
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files for %q (%v)", glob, err)
	}
	for _, path := range files {
		opts := Options{Encoding: "gbk"}
		rd, err := openCSV(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := openStreamCSV(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rd.Header(), ref.Header()) {
			t.Fatalf("%s: header %q, want %q", path, rd.Header(), ref.Header())
		}
		rows := 0
		for {
			a, errA := rd.Next()
			b, errB := ref.Next()
			if errA != nil || errB != nil {
				if !errors.Is(errA, io.EOF) || !errors.Is(errB, io.EOF) {
					t.Fatalf("%s row %d: %v, want %v", path, rows+2, errA, errB)
				}
				break
			}
			if ta, tb := textOf(a), textOf(b); !reflect.DeepEqual(ta, tb) {
				t.Fatalf("%s: %+v, want %+v", path, ta, tb)
			}
			rows++
		}
		rd.Close()
		ref.Close()
		t.Logf("%s: %d rows identical", filepath.Base(path), rows)
	}
}

func TestHasHighByte(t *testing.T) {
	for _, s := range []string{"", "a", "abcdefgh", "abcdefghi", "abcdefg\x80", "\x80bcdefghi", "abcdefgh\x80",
		"abcdefghijklmno\xff", "abcdefghijklmnop", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "张三"} {
		want := strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 })
		if got := hasHighByte(s); got != want {
			t.Errorf("hasHighByte(%q) = %v", s, got)
		}
	}
}
