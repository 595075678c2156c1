// Package source holds the file-format plugins that read exports. Each format
// registers itself under its name (csv, ndjson, xlsx, parquet) from its own
// file, like Telegraf's input plugins; ingest looks readers up by the
// source's configured format.
package source

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Options tells a reader how to decode a file.
type Options struct {
	// Encoding is utf-8 (default) or gbk for text formats.
	Encoding string
	// Compression of text formats: CompressionGzip, CompressionNone, or
	// empty for gzip when the file name ends in .gz (see Gzipped).
	Compression string
	// Delimiter for CSV (default ',').
	Delimiter rune
	// Sheet for XLSX (default: the first sheet).
	Sheet string
	// Whitespace splits text records on runs of spaces and tabs instead of
	// Delimiter (no quoting: a field cannot hold a space).
	Whitespace bool
	// NoHeader: the file has no header row; columns are named by their
	// 1-based position ("1", "2", ...), taken from the first record.
	NoHeader bool
	// SkipRows lines are skipped at the start of a text file, before the
	// header (or the first record).
	SkipRows int
	// Comment, when set, starts a comment line in a text file (skipped).
	Comment rune
	// Location is the zone of naive timestamps in typed formats (Parquet
	// TIMESTAMP not adjusted to UTC): they are rendered with its offset.
	// Nil means UTC.
	Location *time.Location
}

// positionalHeader names n columns by their 1-based position.
func positionalHeader(n int) []string {
	h := make([]string, n)
	for i := range h {
		h[i] = strconv.Itoa(i + 1)
	}
	return h
}

// Row is one record of a file as text. Fields align with Header; Num is the
// row number a person sees when opening the file (CSV/XLSX: the header is
// row 1; NDJSON: the line number; Parquet: the 1-based record index). Err is
// set when the record itself is malformed (wrong column count, bad JSON); the
// row is then quarantined with Raw as its text.
type Row struct {
	Num    int64
	Fields []string
	Raw    string
	Err    error
}

// Reader reads the rows of one file. Next returns io.EOF after the last row.
// The returned Row and its Fields may be reused by the next call.
type Reader interface {
	Header() []string
	Next() (*Row, error)
	Close() error
}

// Opener opens a file of one format.
type Opener func(path string, opts Options) (Reader, error)

var (
	mu      sync.RWMutex
	openers = map[string]Opener{}
)

// Register makes a format available under name. It panics on a duplicate,
// since that is a programming error.
func Register(name string, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := openers[name]; dup {
		panic("source: format registered twice: " + name)
	}
	openers[name] = open
}

// Open opens path with the reader registered for format.
func Open(format, path string, opts Options) (Reader, error) {
	mu.RLock()
	open, ok := openers[format]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown format %q (have %v)", format, Formats())
	}
	return open(path, opts)
}

// Formats lists the registered format names.
func Formats() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(openers))
	for k := range openers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ErrWrongColumns marks a record whose field count differs from the header.
var ErrWrongColumns = fmt.Errorf("wrong column count")
