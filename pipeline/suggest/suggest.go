// Package suggest reads the start of an export file and proposes the
// config block that loads it: format, encoding, delimiter, header
// presence, timestamp layout, a mapping of recognised headers onto a
// canonical table's fields, and how returns are marked. Check runs the
// sampled rows through that block's mapping without writing anything.
package suggest

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/source"
)

// SampleRows is how many records are read to decide layouts and mappings.
const SampleRows = 500

// Suggestion is the proposed source block for one file and what it is
// based on.
type Suggestion struct {
	Source   config.Source
	Header   []string   // the file's columns (positions when it has none)
	Rows     [][]string // the sampled records
	RowNums  []int64
	Unmapped []string // columns that map to no canonical field
	Notes    []string // decisions a reader should know about
}

// Suggest reads path and proposes its source block.
func Suggest(path string) (*Suggestion, error) {
	format, err := formatOf(path)
	if err != nil {
		return nil, err
	}
	sg := &Suggestion{}
	src := &sg.Source
	src.Format = format
	src.Path = path
	src.Name = sourceName(path)
	opts := source.Options{}
	if format == "csv" {
		head, err := readHead(path, 64<<10)
		if err != nil {
			return nil, err
		}
		enc, text := detectEncoding(head)
		src.Encoding = enc
		delim, ws := detectDelimiter(text)
		switch {
		case ws:
			src.Delimiter = config.DelimiterWhitespace
			opts.Whitespace = true
		case delim != ',':
			src.Delimiter = string(delim)
			opts.Delimiter = delim
		}
		opts.Encoding = enc
		if !hasHeader(text, delim, ws) {
			no := false
			src.Header = &no
			opts.NoHeader = true
		}
	} else if format == "ndjson" {
		head, err := readHead(path, 64<<10)
		if err != nil {
			return nil, err
		}
		src.Encoding, _ = detectEncoding(head)
		opts.Encoding = src.Encoding
	}
	rd, err := source.Open(format, path, opts)
	if err != nil {
		return nil, fmt.Errorf("open %q as %s: %w", path, format, err)
	}
	defer rd.Close()
	sg.Header = append([]string(nil), rd.Header()...)
	for len(sg.Rows) < SampleRows {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %q: %w", path, err)
		}
		if r.Err != nil {
			continue // a malformed record says nothing about the columns
		}
		sg.Rows = append(sg.Rows, append([]string(nil), r.Fields...))
		sg.RowNums = append(sg.RowNums, r.Num)
	}
	sg.mapColumns()
	return sg, nil
}

// formatOf is the format of a file by its extension, under a .gz suffix
// (text files read through gzip, source.Gzipped).
func formatOf(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(trimGz(path))) {
	case ".csv", ".txt", ".tsv", ".dat":
		return "csv", nil
	case ".ndjson", ".jsonl", ".json":
		return "ndjson", nil
	case ".xlsx", ".xlsm":
		return "xlsx", nil
	case ".parquet", ".pq":
		return "parquet", nil
	}
	return "", fmt.Errorf("file %q: unknown format (want .csv, .txt, .tsv, .ndjson, .jsonl, .xlsx or .parquet)", path)
}

var nameRe = regexp.MustCompile(`[^a-z0-9]+`)

// sourceName is a source name (lower-case letters, digits, _) from the
// file name.
func sourceName(path string) string {
	base := filepath.Base(trimGz(path))
	base = strings.TrimSuffix(base, filepath.Ext(base))
	n := strings.Trim(nameRe.ReplaceAllString(strings.ToLower(base), "_"), "_")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "src_" + n
	}
	return strings.TrimSuffix(n, "_")
}
