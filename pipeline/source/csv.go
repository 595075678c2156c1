package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

func init() { Register("csv", openCSV) }

type csvReader struct {
	f      io.ReadCloser
	r      *csv.Reader
	header []string
	row    Row
	n      int64
	delim  string
	// first is the first record of a file without a header, returned by
	// the first Next; skip is the number of lines skipped before the
	// header; comments reports that comment lines are skipped, so row
	// numbers come from the parser's line positions.
	first    []string
	skip     int64
	comments bool

	// dec, when set, decodes the fields of a GBK/GB18030 file that is parsed
	// on its raw bytes (see rawDecoder); nil when the stream is decoded
	// before parsing.
	dec   transform.Transformer
	src   []byte              // field being decoded
	buf   []byte              // decoded fields of the current record
	pend  []pending           // fields of the current record decoded into buf
	cache []map[string]string // per column: decodings of non-ASCII values
}

type pending struct{ i, start, end int }

// maxCached bounds the decodings kept per column: enough for the names of
// stores, products or categories that repeat all over a file; a column of
// mostly distinct values (e.g. customer names) just stops being cached.
const maxCached = 4096

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

// rawDecoder returns the decoder for the fields of a CSV file in enc with
// delimiter delim when the file can be parsed on its raw bytes, else nil
// (the whole stream is then decoded before parsing).
//
// Parsing the raw bytes gives the same records as parsing the decoded
// stream when no byte that splits a record (the delimiter, '"', '\r', '\n')
// can be taken by the decoder as part of a multi-byte character: the
// decoder then never spans a split and a field decodes to exactly what the
// stream decoder makes of those bytes (a lead byte whose next byte is not a
// valid trail byte decodes on its own to U+FFFD in both cases). A character
// of golang.org/x/text's GBK decoder is a byte 0x81–0xFE followed by
// 0x40–0x7E or 0x80–0xFE, so any byte below 0x40 is safe; its GB18030
// decoder also takes a lead byte followed by 0x30–0x3F (not only the digits
// 0x30–0x39) as the start of a four-byte character, so there only bytes
// below 0x30 are safe (e.g. ',', '\t', ' ', but not ';').
func rawDecoder(enc string, delim rune) transform.Transformer {
	switch strings.ToLower(enc) {
	case "gbk":
		if delim > 0 && delim < 0x40 {
			return simplifiedchinese.GBK.NewDecoder()
		}
	case "gb18030":
		if delim > 0 && delim < 0x30 {
			return simplifiedchinese.GB18030.NewDecoder()
		}
	}
	return nil
}

func openCSV(path string, opts Options) (Reader, error) {
	if opts.Whitespace {
		return openFields(path, opts)
	}
	f, err := OpenFile(path, opts)
	if err != nil {
		return nil, err
	}
	delim := opts.Delimiter
	if delim == 0 {
		delim = ','
	}
	dec := rawDecoder(opts.Encoding, delim)
	c, err := newCSVReader(f, opts, delim, dec)
	if err != nil && dec != nil {
		// A header that does not parse is reported as the stream decoder
		// reports it (the column of a parse error counts decoded bytes).
		f.Close()
		if f, err = OpenFile(path, opts); err != nil {
			return nil, err
		}
		c, err = newCSVReader(f, opts, delim, nil)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

// newCSVReader skips opts.SkipRows lines of f and reads the header (or,
// with opts.NoHeader, the first record, naming the columns by position);
// dec is the field decoder of a file parsed on its raw bytes (rawDecoder),
// nil to decode the stream.
func newCSVReader(f io.ReadCloser, opts Options, delim rune, dec transform.Transformer) (*csvReader, error) {
	var in *bufio.Reader
	if dec != nil {
		in = bufio.NewReaderSize(f, 1<<20)
	} else {
		d, err := decoded(f, opts.Encoding)
		if err != nil {
			return nil, err
		}
		in = d.(*bufio.Reader)
	}
	// '\n' is never part of a multi-byte GBK/GB18030 character, so lines
	// are skipped on the raw bytes as well.
	for i := 0; i < opts.SkipRows; i++ {
		if err := skipLine(in); err != nil {
			return nil, fmt.Errorf("skip row %d: %w", i+1, err)
		}
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.Comma = delim
	r.Comment = opts.Comment
	c := &csvReader{f: f, r: r, n: int64(opts.SkipRows) + 1, delim: string(r.Comma), dec: dec, skip: int64(opts.SkipRows), comments: opts.Comment != 0}
	h, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			if opts.NoHeader {
				return nil, fmt.Errorf("empty file: no records")
			}
			return nil, fmt.Errorf("empty file: no header row")
		}
		if opts.NoHeader {
			return nil, fmt.Errorf("read first record: %w", err)
		}
		return nil, fmt.Errorf("read header: %w", err)
	}
	c.decodeFields(h)
	if c.comments {
		line, _ := r.FieldPos(0)
		c.n = c.skip + int64(line)
	}
	if opts.NoHeader {
		c.first = slices.Clone(h)
		c.header = positionalHeader(len(h))
		return c, nil
	}
	header := make([]string, len(h))
	for i, s := range h {
		header[i] = strings.TrimSpace(s)
	}
	c.header = header
	return c, nil
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Next() (*Row, error) {
	if c.first != nil {
		c.row = Row{Num: c.n, Fields: c.first}
		c.first = nil
		return &c.row, nil
	}
	rec, err := c.r.Read()
	c.n++
	if !errors.Is(err, io.EOF) {
		c.decodeFields(rec)
	}
	if c.comments && err == nil {
		line, _ := c.r.FieldPos(0)
		c.n = c.skip + int64(line)
	}
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

// decodeFields replaces, in place, the raw fields of rec that hold a byte
// >= 0x80 by their decoding; ASCII fields are the same in GBK/GB18030 and
// UTF-8 and are kept as they are. Values seen before in the column are
// taken from its cache; the other decoded fields of one record share one
// string.
func (c *csvReader) decodeFields(rec []string) {
	if c.dec == nil {
		return
	}
	c.buf, c.pend = c.buf[:0], c.pend[:0]
	for i, s := range rec {
		if !hasHighByte(s) {
			continue
		}
		if i < len(c.cache) {
			if d, ok := c.cache[i][s]; ok {
				rec[i] = d
				continue
			}
		}
		start := len(c.buf)
		c.buf = c.decodeAppend(c.buf, s)
		c.pend = append(c.pend, pending{i, start, len(c.buf)})
	}
	if len(c.pend) == 0 {
		return
	}
	if n := len(rec); len(c.cache) < n {
		c.cache = append(c.cache, make([]map[string]string, n-len(c.cache))...)
	}
	var str string // the decoded fields not cached
	for _, p := range c.pend {
		m := c.cache[p.i]
		if m == nil {
			m = make(map[string]string)
			c.cache[p.i] = m
		}
		if len(m) < maxCached {
			// Own copies, so that the cache holds no whole records.
			d := string(c.buf[p.start:p.end])
			m[strings.Clone(rec[p.i])] = d
			rec[p.i] = d
			continue
		}
		if str == "" {
			str = string(c.buf)
		}
		rec[p.i] = str[p.start:p.end]
	}
}

// decodeAppend appends the decoding of s to dst.
func (c *csvReader) decodeAppend(dst []byte, s string) []byte {
	c.dec.Reset()
	src := append(c.src[:0], s...)
	c.src = src
	for len(src) > 0 {
		// A byte decodes to at most 3 bytes of UTF-8 (U+FFFD, '€', a
		// two-byte character); a four-byte character to at most 4.
		dst = slices.Grow(dst, 3*len(src)+4)
		nDst, nSrc, err := c.dec.Transform(dst[len(dst):cap(dst)], src, true)
		dst = dst[:len(dst)+nDst]
		src = src[nSrc:]
		if err != nil && err != transform.ErrShortDst {
			// Not returned by the GBK/GB18030 decoders at the end of input;
			// kept as is rather than lost.
			return append(dst, src...)
		}
	}
	return dst
}

func hasHighByte(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// Eight bytes at a time; the compiler makes this one load.
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080808080808080 != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

func (c *csvReader) Close() error { return c.f.Close() }

// skipLine reads past the next '\n' (or to the end of the input).
func skipLine(r *bufio.Reader) error {
	for {
		_, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return nil
		}
		return err
	}
}
