package source

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readRows reads every row of a file as "num:field|field" (or
// "num:ERR" for a malformed row), and the header.
func readRows(t *testing.T, content string, opts Options) (header string, rows []string, err error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	rd, err := Open("csv", path, opts)
	if err != nil {
		return "", nil, err
	}
	defer rd.Close()
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Join(r.Fields, "|")
		if r.Err != nil {
			s = "ERR"
		}
		rows = append(rows, itoa(r.Num)+":"+s)
	}
	return strings.Join(rd.Header(), "|"), rows, nil
}

func itoa(n int64) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestTextLayouts: header presence, whitespace delimiters, skipped rows and
// comment lines, with the row numbers a person sees in an editor.
func TestTextLayouts(t *testing.T) {
	cdnow := " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n 00018 0002 19970102  2   0.00\r\n"
	cases := []struct {
		name       string
		content    string
		opts       Options
		wantHeader string
		wantRows   []string
		wantErr    string
	}{
		{"cdnow: no header, runs of spaces, CRLF", cdnow, Options{Whitespace: true, NoHeader: true},
			"1|2|3|4|5", []string{"1:00004|0001|19970101|2|29.33", "2:00004|0001|19970118|2|29.73", "3:00018|0002|19970102|2|0.00"}, ""},
		{"whitespace with a header and tabs", "id\tdate  amount\na\t2024-01-01   1.5\n\n  b 2024-01-02\t2\n", Options{Whitespace: true},
			"id|date|amount", []string{"2:a|2024-01-01|1.5", "4:b|2024-01-02|2"}, ""},
		{"whitespace: wrong field count is a bad row", "a b\n1 2\n1 2 3\n", Options{Whitespace: true},
			"a|b", []string{"2:1|2", "3:ERR"}, ""},
		{"whitespace: skip rows and comments", "exported 2024-01-01\nby system X\n# id amount\nid amount\n1 2\n# note\n3 4\n", Options{Whitespace: true, SkipRows: 2, Comment: '#'},
			"id|amount", []string{"5:1|2", "7:3|4"}, ""},
		{"csv without header", "A1,2\nA2,3\n", Options{NoHeader: true},
			"1|2", []string{"1:A1|2", "2:A2|3"}, ""},
		{"csv: skip rows before the header", "Report of sales\n\nid,qty\n1,2\n3,4\n", Options{SkipRows: 2},
			"id|qty", []string{"4:1|2", "5:3|4"}, ""},
		{"csv: comment lines keep row numbers", "id,qty\n# a comment\n1,2\n#another\n3,4\n", Options{Comment: '#'},
			"id|qty", []string{"3:1|2", "5:3|4"}, ""},
		{"csv: no header, skip and comments", "junk line\n# c\nx;1\ny;2\n", Options{NoHeader: true, SkipRows: 1, Comment: '#', Delimiter: ';'},
			"1|2", []string{"3:x|1", "4:y|2"}, ""},
		{"whitespace: empty file", "\n\n", Options{Whitespace: true, NoHeader: true}, "", nil, "no records"},
		{"csv: everything skipped", "a\nb\n", Options{SkipRows: 5}, "", nil, "no header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, rows, err := readRows(t, c.content, c.opts)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h != c.wantHeader {
				t.Errorf("header %q, want %q", h, c.wantHeader)
			}
			if strings.Join(rows, "\n") != strings.Join(c.wantRows, "\n") {
				t.Errorf("rows\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(c.wantRows, "\n"))
			}
		})
	}
}

// FuzzFieldsReader: any input either fails to open or reads to the end;
// every row has the header's field count unless it is marked bad, no
// field is empty or holds a space or tab, and row numbers increase.
func FuzzFieldsReader(f *testing.F) {
	f.Add([]byte(" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n"), true)
	f.Add([]byte("a b\n# c\n1 2 3\n\n4\t5\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, noHeader bool) {
		path := filepath.Join(t.TempDir(), "f.txt")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rd, err := Open("csv", path, Options{Whitespace: true, NoHeader: noHeader, Comment: '#'})
		if err != nil {
			return
		}
		defer rd.Close()
		var last int64
		for {
			r, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Num <= last {
				t.Fatalf("row number %d after %d", r.Num, last)
			}
			last = r.Num
			if r.Err == nil && len(r.Fields) != len(rd.Header()) {
				t.Fatalf("%d fields, header has %d, not marked bad", len(r.Fields), len(rd.Header()))
			}
			for _, s := range r.Fields {
				if s == "" || strings.ContainsAny(s, " \t") {
					t.Fatalf("field %q", s)
				}
			}
		}
	})
}
