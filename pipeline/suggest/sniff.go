package suggest

// Sniffing a text file: its encoding, delimiter (or whitespace), header row,
// and the time layout its sampled timestamps share.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/crmkit/crmkit/pipeline/source"
)

// timestampLayouts are tried in order on a timestamp column's sampled
// values; the first that parses them all is suggested.
var timestampLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04",
	"2006/01/02 15:04:05", "2006/1/2 15:04:05", "2006/1/2 15:04", "1/2/2006 15:04", "1/2/2006 15:04:05", "01/02/2006 15:04",
	"2/1/2006 15:04", "02.01.2006 15:04", "2006-01-02", "2006/01/02", "2006/1/2", "20060102", "1/2/2006",
}

// trimGz is path without a .gz suffix (any case).
func trimGz(path string) string {
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		return path[:len(path)-3]
	}
	return path
}

// readHead reads the first n bytes of path's text, decompressed when the
// file is named .gz.
func readHead(path string, n int) ([]byte, error) {
	f, err := source.OpenFile(path, source.Options{})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	return b[:k], nil
}

// detectEncoding tells UTF-8 (with or without a BOM) from GBK and returns
// the head decoded. A head cut inside a UTF-8 character still counts as
// UTF-8.
func detectEncoding(head []byte) (string, string) {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	valid := head
	for i := 0; i < utf8.UTFMax && len(valid) > 0 && !utf8.Valid(valid); i++ {
		valid = valid[:len(valid)-1]
	}
	if utf8.Valid(valid) {
		return "utf-8", string(valid)
	}
	d, err := simplifiedchinese.GBK.NewDecoder().Bytes(head)
	if err != nil {
		return "gbk", string(head)
	}
	return "gbk", string(d)
}

// sampleLines are the first complete non-blank lines of text.
func sampleLines(text string, n int) []string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) > 1 {
		lines = lines[:len(lines)-1] // maybe cut short
	}
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
		if len(out) == n {
			break
		}
	}
	return out
}

// detectDelimiter picks the delimiter that splits every sampled line into
// the same number (> 1) of fields, preferring , then tab ; |; failing
// those, runs of whitespace.
func detectDelimiter(text string) (rune, bool) {
	lines := sampleLines(text, 50)
	for _, d := range []rune{',', '\t', ';', '|'} {
		n := -1
		ok := len(lines) > 0
		for _, l := range lines {
			k := len(splitQuoted(l, d))
			if k < 2 || (n >= 0 && k != n) {
				ok = false
				break
			}
			n = k
		}
		if ok {
			return d, false
		}
	}
	n := -1
	for _, l := range lines {
		k := len(strings.Fields(l))
		if k < 2 || (n >= 0 && k != n) {
			return ',', false
		}
		n = k
	}
	return 0, len(lines) > 0
}

// splitQuoted splits a line on d outside double quotes.
func splitQuoted(l string, d rune) []string {
	var out []string
	var cur strings.Builder
	q := false
	for _, r := range l {
		switch {
		case r == '"':
			q = !q
		case r == d && !q:
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	return append(out, cur.String())
}

// hasHeader: the first line is a header unless one of its fields looks
// like data (a number or a date), which no header name does.
func hasHeader(text string, d rune, ws bool) bool {
	lines := sampleLines(text, 1)
	if len(lines) == 0 {
		return true
	}
	var fs []string
	if ws {
		fs = strings.Fields(lines[0])
	} else {
		fs = splitQuoted(lines[0], d)
	}
	for _, f := range fs {
		f = strings.Trim(strings.TrimSpace(f), `"`)
		if isNumber(f) || layoutOf([]string{f}) != "" {
			return false
		}
	}
	return true
}

func isNumber(s string) bool {
	s = strings.TrimLeft(strings.ReplaceAll(s, ",", ""), "¥￥$")
	_, err := strconv.ParseFloat(s, 64)
	return err == nil && s != ""
}

// layoutOf is the layout that parses the most non-empty values (the
// first in timestampLayouts on a tie), if it parses at least 80% of them
// (a few bad dates go to quarantine, they do not hide the layout); "" when
// none does or there are no values.
func layoutOf(vals []string) string {
	best, bestN, n := "", 0, 0
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	for _, l := range timestampLayouts {
		k := 0
		for _, v := range vals {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if _, err := time.Parse(l, v); err == nil {
				k++
			}
		}
		if k > bestN {
			best, bestN = l, k
		}
	}
	if n == 0 || bestN*5 < n*4 {
		return ""
	}
	return best
}
