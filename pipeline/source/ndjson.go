package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
)

func init() { Register("ndjson", openNDJSON) }

// ndjsonReader reads one JSON object per line. The header is the union of
// the keys of the first object (later unknown keys are ignored, missing keys
// read as empty).
type ndjsonReader struct {
	f      *os.File
	sc     *bufio.Scanner
	header []string
	index  map[string]int
	row    Row
	n      int64
	first  []byte
	obj    map[string]json.RawMessage
}

func openNDJSON(path string, opts Options) (Reader, error) {
	f, err := os.Open(path)
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
	r := &ndjsonReader{f: f, sc: sc, obj: map[string]json.RawMessage{}}
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
	clear(r.obj)
	if err := json.Unmarshal(line, &r.obj); err != nil {
		r.row.Err = fmt.Errorf("malformed json: %w", err)
		r.row.Raw = string(line)
		return &r.row, nil
	}
	for k, v := range r.obj {
		i, ok := r.index[k]
		if !ok {
			continue
		}
		s, err := jsonText(v)
		if err != nil {
			r.row.Err = fmt.Errorf("key %q: %w", k, err)
			r.row.Raw = string(line)
			return &r.row, nil
		}
		fields[i] = s
	}
	r.row.Raw = string(line)
	return &r.row, nil
}

// jsonText renders a JSON scalar as text: strings unquoted, numbers as
// written, null as empty.
func jsonText(v json.RawMessage) (string, error) {
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	case '{', '[':
		return string(v), nil
	case 't', 'f':
		return string(v), nil
	default:
		if _, err := strconv.ParseFloat(string(v), 64); err != nil {
			return "", fmt.Errorf("bad number %s", v)
		}
		return string(v), nil
	}
}

func (r *ndjsonReader) Close() error { return r.f.Close() }

var _ = sort.Strings
