package source

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// gz compresses each part as its own gzip member, one after the other.
func gz(t testing.TB, parts ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, p := range parts {
		w := gzip.NewWriter(&b)
		if _, err := w.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// readAll opens data written to a file named name and returns the header
// and each row as "num:field|field", or the first error.
func readGzipCase(t testing.TB, format, name string, data []byte, opts Options) ([]string, []string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rd, err := Open(format, path, opts)
	if err != nil {
		return nil, nil, err
	}
	defer rd.Close()
	header := slices.Clone(rd.Header())
	var rows []string
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return header, rows, nil
		}
		if err != nil {
			return header, rows, err
		}
		rows = append(rows, strconv.FormatInt(row.Num, 10)+":"+strings.Join(row.Fields, "|"))
	}
}

// TestGzipText: text files read through gzip, chosen by name or by the
// compression option, give the same header, rows and row numbers as the
// plain file; a damaged stream is an error, never rows made up.
func TestGzipText(t *testing.T) {
	const csvText = "order_id,qty\r\nA1,2\nA2,\"3\"\n"
	wantCSV := []string{"2:A1|2", "3:A2|3"}
	const ndjsonText = `{"id":"x","n":1}` + "\n\n" + `{"id":"y","n":2}` + "\n"
	wantNDJSON := []string{"1:x|1", "3:y|2"}
	full := gz(t, csvText)
	cases := []struct {
		name, format, file string
		data               []byte
		opts               Options
		header, rows       []string
		err                string
	}{
		{"csv named .gz", "csv", "orders.csv.gz", full, Options{}, []string{"order_id", "qty"}, wantCSV, ""},
		{"csv named .GZ", "csv", "ORDERS.CSV.GZ", full, Options{}, []string{"order_id", "qty"}, wantCSV, ""},
		{"csv gzip by option, plain name", "csv", "orders.csv", full, Options{Compression: CompressionGzip}, []string{"order_id", "qty"}, wantCSV, ""},
		{"plain csv named .gz with none", "csv", "orders.csv.gz", []byte(csvText), Options{Compression: CompressionNone}, []string{"order_id", "qty"}, wantCSV, ""},
		{"plain csv stays plain", "csv", "orders.csv", []byte(csvText), Options{}, []string{"order_id", "qty"}, wantCSV, ""},
		{"two gzip members", "csv", "orders.csv.gz", gz(t, "order_id,qty\r\nA1,2\n", "A2,\"3\"\n"), Options{}, []string{"order_id", "qty"}, wantCSV, ""},
		{"gbk through gzip", "csv", "r.csv.gz", gz(t, string(mustGBK(t, "小票号,数量\nR1,1\n"))), Options{Encoding: "gbk"}, []string{"小票号", "数量"}, []string{"2:R1|1"}, ""},
		{"whitespace fields", "csv", "cdnow.txt.gz", gz(t, "00001 19970101  1  11.77\n00002 19970112  2  12.00\n"),
			Options{Whitespace: true, NoHeader: true}, []string{"1", "2", "3", "4"}, []string{"1:00001|19970101|1|11.77", "2:00002|19970112|2|12.00"}, ""},
		{"ndjson named .gz", "ndjson", "events.ndjson.gz", gz(t, ndjsonText), Options{}, []string{"id", "n"}, wantNDJSON, ""},
		{"not gzip", "csv", "orders.csv.gz", []byte(csvText), Options{}, nil, nil, "read gzip header of"},
		{"truncated stream", "csv", "orders.csv.gz", full[:len(full)-6], Options{}, []string{"order_id", "qty"}, nil, "unexpected EOF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			header, rows, err := readGzipCase(t, c.format, c.file, c.data, c.opts)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want it to contain %q (rows %v)", err, c.err, rows)
				}
				if len(rows) > len(wantCSV) {
					t.Errorf("rows %v from a damaged file", rows)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(header, c.header) || !slices.Equal(rows, c.rows) {
				t.Errorf("header %q rows %q, want %q %q", header, rows, c.header, c.rows)
			}
		})
	}
}

func mustGBK(t *testing.T, s string) []byte {
	t.Helper()
	b, err := encodeGBK(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGzipped(t *testing.T) {
	cases := []struct {
		path, compression string
		want              bool
	}{
		{"a.csv.gz", "", true},
		{"a.CSV.Gz", "", true},
		{"a.csv", "", false},
		{"a.gzip", "", false},
		{"a.csv", "gzip", true},
		{"a.csv.gz", "none", false},
	}
	for _, c := range cases {
		if got := Gzipped(c.path, c.compression); got != c.want {
			t.Errorf("Gzipped(%q, %q) = %v, want %v", c.path, c.compression, got, c.want)
		}
	}
}

// FuzzGzipCSV: a text file read through gzip gives the same header, rows
// and errors as the plain file, in every text mode; arbitrary bytes named
// .gz are refused or read without a panic.
func FuzzGzipCSV(f *testing.F) {
	f.Add([]byte("a,b,c\n1,2,3\n4,5\n\"x,y\",\"q\"\"\",z\n"), uint8(0))
	f.Add([]byte("  id   amount\n  1  2.50\n\n  2 3\n"), uint8(3))
	f.Add([]byte("title line\n# comment\na,b\n1,2\n"), uint8(4))
	f.Add(gz(f, "a,b\n1,2\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opts := textModes[int(mode)%len(textModes)]
		ph, prows, perr := readGzipCase(t, "csv", "f.csv", data, opts)
		zh, zrows, zerr := readGzipCase(t, "csv", "f.csv.gz", gz(t, string(data)), opts)
		if (perr == nil) != (zerr == nil) || !slices.Equal(ph, zh) || !slices.Equal(prows, zrows) {
			t.Fatalf("plain: %q %q %v\ngzip: %q %q %v", ph, prows, perr, zh, zrows, zerr)
		}
		readChecked(t, "csv", "raw.csv.gz", data, opts, false)
	})
}
