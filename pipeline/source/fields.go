package source

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// fieldsReader reads a text file whose fields are separated by runs of
// spaces and tabs (Options.Whitespace), one record per line: the layout of
// fixed-width-looking logs such as the CDNOW purchase files. There is no
// quoting, so a field never holds a space; blank lines are skipped; a
// trailing '\r' (CRLF files) is dropped.
type fieldsReader struct {
	f       io.ReadCloser
	in      *bufio.Reader
	header  []string
	first   []string // first record of a file without a header
	row     Row
	n       int64 // line number of the last line read
	comment string
	line    []byte
}

func openFields(path string, opts Options) (Reader, error) {
	f, err := OpenFile(path, opts)
	if err != nil {
		return nil, err
	}
	in, err := decoded(f, opts.Encoding)
	if err != nil {
		f.Close()
		return nil, err
	}
	r := &fieldsReader{f: f, in: in.(*bufio.Reader)}
	if opts.Comment != 0 {
		r.comment = string(opts.Comment)
	}
	for i := 0; i < opts.SkipRows; i++ {
		if _, err := r.readLine(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			f.Close()
			return nil, err
		}
	}
	first, err := r.nextFields()
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			if opts.NoHeader {
				return nil, fmt.Errorf("empty file: no records")
			}
			return nil, fmt.Errorf("empty file: no header row")
		}
		return nil, err
	}
	if opts.NoHeader {
		r.header = positionalHeader(len(first))
		r.first = first
	} else {
		r.header = first
	}
	return r, nil
}

// readLine returns the next line without its end of line.
func (r *fieldsReader) readLine() ([]byte, error) {
	r.line = r.line[:0]
	for {
		b, err := r.in.ReadSlice('\n')
		r.line = append(r.line, b...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !(errors.Is(err, io.EOF) && len(r.line) > 0) {
			return nil, err
		}
		r.n++
		l := r.line
		if n := len(l); n > 0 && l[n-1] == '\n' {
			l = l[:n-1]
		}
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		return l, nil
	}
}

// nextFields returns the fields of the next line that is neither blank
// nor a comment.
func (r *fieldsReader) nextFields() ([]string, error) {
	for {
		l, err := r.readLine()
		if err != nil {
			return nil, err
		}
		s := string(l)
		fs := strings.Fields(s)
		if len(fs) == 0 || (r.comment != "" && strings.HasPrefix(fs[0], r.comment)) {
			continue
		}
		return fs, nil
	}
}

func (r *fieldsReader) Header() []string { return r.header }

func (r *fieldsReader) Next() (*Row, error) {
	if r.first != nil {
		r.row = Row{Num: r.n, Fields: r.first}
		r.first = nil
		return &r.row, nil
	}
	fs, err := r.nextFields()
	if err != nil {
		return nil, err
	}
	r.row = Row{Num: r.n, Fields: fs}
	if len(fs) != len(r.header) {
		r.row.Err = fmt.Errorf("%w: %d fields, header has %d", ErrWrongColumns, len(fs), len(r.header))
		r.row.Raw = strings.Join(fs, " ")
	}
	return &r.row, nil
}

func (r *fieldsReader) Close() error { return r.f.Close() }
