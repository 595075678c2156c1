package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

func init() { Register("csv", openCSV) }

type csvReader struct {
	f      *os.File
	r      *csv.Reader
	header []string
	row    Row
	n      int64
	delim  string
}

// decoded wraps r with the decoder for enc and strips a UTF-8 BOM.
func decoded(r io.Reader, enc string) (io.Reader, error) {
	switch strings.ToLower(enc) {
	case "", "utf-8", "utf8":
		br := bufio.NewReaderSize(r, 1<<20)
		if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
			_, _ = br.Discard(3)
		}
		return br, nil
	case "gbk":
		return bufio.NewReaderSize(transform.NewReader(r, simplifiedchinese.GBK.NewDecoder()), 1<<20), nil
	case "gb18030":
		return bufio.NewReaderSize(transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder()), 1<<20), nil
	}
	return nil, fmt.Errorf("unknown encoding %q", enc)
}

func openCSV(path string, opts Options) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	in, err := decoded(f, opts.Encoding)
	if err != nil {
		f.Close()
		return nil, err
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	if opts.Delimiter != 0 {
		r.Comma = opts.Delimiter
	}
	h, err := r.Read()
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("empty file: no header row")
		}
		return nil, fmt.Errorf("read header: %w", err)
	}
	header := make([]string, len(h))
	for i, s := range h {
		header[i] = strings.TrimSpace(s)
	}
	return &csvReader{f: f, r: r, header: header, n: 1, delim: string(r.Comma)}, nil
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Next() (*Row, error) {
	rec, err := c.r.Read()
	c.n++
	c.row = Row{Num: c.n, Fields: rec}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			c.row.Err = fmt.Errorf("malformed csv: %w", pe.Err)
			c.row.Raw = strings.Join(rec, c.delim)
			return &c.row, nil
		}
		return nil, err
	}
	if len(rec) != len(c.header) {
		c.row.Err = fmt.Errorf("%w: %d fields, header has %d", ErrWrongColumns, len(rec), len(c.header))
	}
	return &c.row, nil
}

func (c *csvReader) Close() error { return c.f.Close() }
