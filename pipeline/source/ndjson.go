package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

func init() { Register("ndjson", openNDJSON) }

// ndjsonReader reads one JSON object per line. The header is the union of
// the keys of the first object (later unknown keys are ignored, missing keys
// read as empty).
type ndjsonReader struct {
	f      io.ReadCloser
	sc     *bufio.Scanner
	header []string
	index  map[string]int
	row    Row
	n      int64
	first  []byte
	line   []byte
}

func openNDJSON(path string, opts Options) (Reader, error) {
	f, err := OpenFile(path, opts)
	if err != nil {
		return nil, err
	}
	in, err := decoded(f, opts.Encoding)
	if err != nil {
		f.Close()
		return nil, err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	r := &ndjsonReader{f: f, sc: sc}
	// The header comes from the first non-empty line's keys, in file order.
	for sc.Scan() {
		r.n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		r.first = append([]byte(nil), line...)
		keys, err := orderedKeys(line)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("line %d: %w", r.n, err)
		}
		r.header = keys
		break
	}
	if err := sc.Err(); err != nil {
		f.Close()
		return nil, err
	}
	if r.header == nil {
		f.Close()
		return nil, fmt.Errorf("empty file: no JSON object")
	}
	r.index = make(map[string]int, len(r.header))
	for i, k := range r.header {
		r.index[k] = i
	}
	r.n-- // the first line is re-read by Next
	return r, nil
}

func orderedKeys(line []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func (r *ndjsonReader) Header() []string { return r.header }

func (r *ndjsonReader) Next() (*Row, error) {
	var line []byte
	if r.first != nil {
		line, r.first = r.first, nil
		r.n++
	} else {
		for {
			if !r.sc.Scan() {
				if err := r.sc.Err(); err != nil {
					return nil, err
				}
				return nil, io.EOF
			}
			r.n++
			line = bytes.TrimSpace(r.sc.Bytes())
			if len(line) > 0 {
				break
			}
		}
	}
	if cap(r.row.Fields) < len(r.header) {
		r.row.Fields = make([]string, len(r.header))
	}
	fields := r.row.Fields[:len(r.header)]
	for i := range fields {
		fields[i] = ""
	}
	r.row = Row{Num: r.n, Fields: fields}
	if err := scanObject(line, r.index, fields); err != nil {
		r.row.Err = fmt.Errorf("malformed json: %w", err)
		r.row.Raw = string(line)
		return &r.row, nil
	}
	r.row.Raw = ""
	r.line = line
	return &r.row, nil
}

// RawText returns the current line (for quarantine) lazily, so good rows
// cost no copy.
func (r *ndjsonReader) RawText() string { return string(r.line) }

func (r *ndjsonReader) Close() error { return r.f.Close() }

// scanObject parses one flat JSON object and stores the text of each value
// whose key is in index into fields: strings unescaped, numbers as written,
// true/false as written, null as empty, nested objects and arrays as their
// raw JSON. It is a single pass over the bytes with no per-field
// allocation beyond the string values themselves.
func scanObject(b []byte, index map[string]int, fields []string) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return fmt.Errorf("expected a key at byte %d", i)
		}
		kEnd, esc, err := stringEnd(b, i)
		if err != nil {
			return err
		}
		var key string
		if esc {
			key, err = strconv.Unquote(string(b[i:kEnd]))
			if err != nil {
				return fmt.Errorf("bad key at byte %d", i)
			}
		}
		var fi int
		var ok bool
		if esc {
			fi, ok = index[key]
		} else {
			fi, ok = index[string(b[i+1:kEnd-1])]
		}
		i = skipWS(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return fmt.Errorf("expected ':' at byte %d", i)
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return fmt.Errorf("unexpected end of line")
		}
		vStart := i
		var val string
		switch c := b[i]; {
		case c == '"':
			end, esc, err := stringEnd(b, i)
			if err != nil {
				return err
			}
			if ok {
				if esc {
					var uerr error
					val, uerr = unquoteJSON(b[i:end])
					if uerr != nil {
						return fmt.Errorf("bad string at byte %d: %w", i, uerr)
					}
				} else {
					val = string(b[i+1 : end-1])
				}
			}
			i = end
		case c == '{' || c == '[':
			end, err := skipNested(b, i)
			if err != nil {
				return err
			}
			if ok {
				val = string(b[vStart:end])
			}
			i = end
		default:
			end := i
			for end < len(b) && b[end] != ',' && b[end] != '}' && b[end] != ' ' && b[end] != '\t' && b[end] != '\r' && b[end] != '\n' {
				end++
			}
			lit := b[i:end]
			switch {
			case string(lit) == "null":
			case string(lit) == "true" || string(lit) == "false":
				if ok {
					val = string(lit)
				}
			default:
				if !isJSONNumber(lit) {
					return fmt.Errorf("bad value %q at byte %d", lit, i)
				}
				if ok {
					val = string(lit)
				}
			}
			i = end
		}
		if ok {
			fields[fi] = val
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return fmt.Errorf("unexpected end of line")
		}
		if b[i] == '}' {
			return trailing(b, i+1)
		}
		if b[i] != ',' {
			return fmt.Errorf("expected ',' or '}' at byte %d", i)
		}
		i = skipWS(b, i+1)
	}
}

func trailing(b []byte, i int) error {
	if skipWS(b, i) != len(b) {
		return fmt.Errorf("text after the object at byte %d", i)
	}
	return nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string at i
// and whether it contains escapes.
func stringEnd(b []byte, i int) (int, bool, error) {
	esc := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			esc = true
			j++
		case '"':
			return j + 1, esc, nil
		}
	}
	return 0, false, fmt.Errorf("unterminated string at byte %d", i)
}

func unquoteJSON(q []byte) (string, error) {
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return "", err
	}
	return s, nil
}

func skipNested(b []byte, i int) (int, error) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			end, _, err := stringEnd(b, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("unterminated value at byte %d", i)
}

func isJSONNumber(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	_, err := strconv.ParseFloat(string(b), 64)
	return err == nil && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9'))
}
