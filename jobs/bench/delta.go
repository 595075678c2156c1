package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// A nightly delta is one new day of exports made from the newest file of
// every source that receives files over time (a path glob): rows are drawn
// from that file, whole orders (or tickets) at a time, their timestamps
// moved to the new day at the same clock time and their order and ticket
// ids made new; the people and their identifiers stay. The share drawn is
// set so that each source's delta is about frac of the rows it has loaded.
// Masters (one file, no glob) get no delta: they are not daily exports.

// DeltaFile is one written delta file.
type DeltaFile struct {
	Source string `json:"source"`
	Path   string `json:"path"`
	Rows   int    `json:"rows"`
}

// keyColumns are the canonical columns that identify an event: rows that
// share one are drawn together and get a new value.
var keyColumns = []string{"order_id", "ticket_id"}

// MakeDelta writes one day of new exports for the sources of cfg (whose
// paths must be writable globs) dated day, about frac of each source's
// loaded rows; wh (DuckDB) reads and writes the Parquet files.
func MakeDelta(ctx context.Context, cfg *config.Config, wh warehouse.Warehouse, day time.Time, frac float64) ([]DeltaFile, error) {
	var out []DeltaFile
	for _, s := range cfg.Sources {
		glob := cfg.Resolve(s.Path)
		if !strings.Contains(filepath.Base(glob), "*") || s.Format == "xlsx" {
			continue
		}
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			continue
		}
		sort.Strings(files)
		newest := files[len(files)-1]
		loadedQ, err := render("source_loaded_rows", nil)
		if err != nil {
			return nil, err
		}
		newestQ, err := render("file_loaded_rows", nil)
		if err != nil {
			return nil, err
		}
		loaded, err := warehouse.Int64(ctx, wh, loadedQ, s.Name)
		if err != nil {
			return nil, fmt.Errorf("delta for %s: %w", s.Name, err)
		}
		inNewest, err := warehouse.Int64(ctx, wh, newestQ,
			s.Name, "%"+filepath.Base(newest))
		if err != nil || inNewest == 0 {
			continue
		}
		share := frac * float64(loaded) / float64(inNewest)
		name := strings.Replace(filepath.Base(glob), "*", "delta-"+day.Format("2006-01-02"), 1)
		dst := filepath.Join(filepath.Dir(glob), name)
		d := &deltaSource{src: s, day: day, share: share, loc: s.Location}
		if d.loc == nil {
			d.loc = cfg.Location
		}
		var n int
		switch s.Format {
		case "csv":
			n, err = d.csv(newest, dst)
		case "ndjson":
			n, err = d.ndjson(newest, dst)
		case "parquet":
			n, err = d.parquet(ctx, wh, newest, dst)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("delta for %s from %s: %w", s.Name, newest, err)
		}
		out = append(out, DeltaFile{Source: s.Name, Path: dst, Rows: n})
	}
	return out, nil
}

type deltaSource struct {
	src   config.Source
	day   time.Time
	share float64
	loc   *time.Location
}

// header returns the file header of a canonical column ("" when unmapped).
func (d *deltaSource) header(canonical string) string { return d.src.Columns[canonical] }

// tsHeaders are the headers of the canonical timestamp columns.
func (d *deltaSource) tsHeaders() map[string]bool {
	out := map[string]bool{}
	for c, h := range d.src.Columns {
		if c == "ts" || strings.HasSuffix(c, "_ts") {
			out[h] = true
		}
	}
	return out
}

// keyHeader is the header of the source's event key, if any.
func (d *deltaSource) keyHeader() string {
	for _, k := range keyColumns {
		if h := d.header(k); h != "" {
			return h
		}
	}
	return ""
}

// take says whether the event with key (or row number when the source has
// no key) is drawn.
func (d *deltaSource) take(key string) bool {
	h := fnv.New64a()
	io.WriteString(h, key)
	return float64(h.Sum64()%1_000_000) < d.share*1_000_000
}

func (d *deltaSource) newKey(v string) string {
	if v == "" {
		return v
	}
	return v + "-D" + d.day.Format("20060102")
}

// shift moves a timestamp written in one of the source's layouts to the
// new day at the same clock time; values no layout parses are kept.
func (d *deltaSource) shift(v string) string {
	if strings.TrimSpace(v) == "" {
		return v
	}
	for _, layout := range strings.Split(d.src.TimestampLayout, "|") {
		if layout == "" {
			continue
		}
		t, err := time.ParseInLocation(layout, v, d.loc)
		if err != nil {
			continue
		}
		y, m, dd := d.day.Date()
		n := time.Date(y, m, dd, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		return n.Format(layout)
	}
	return v
}

func (d *deltaSource) gbk() bool {
	e := strings.ToLower(d.src.Encoding)
	return e == "gbk" || e == "gb18030" || e == "gb2312"
}

func (d *deltaSource) csv(src, dst string) (int, error) {
	f, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var in io.Reader = bufio.NewReaderSize(f, 1<<20)
	if d.gbk() {
		in = simplifiedchinese.GB18030.NewDecoder().Reader(in)
	}
	r := csv.NewReader(in)
	r.LazyQuotes, r.FieldsPerRecord, r.ReuseRecord = true, -1, true
	if d.src.Delimiter != "" {
		r.Comma = []rune(d.src.Delimiter)[0]
	}
	head, err := r.Read()
	if err != nil {
		return 0, err
	}
	bom := len(head) > 0 && strings.HasPrefix(head[0], "\ufeff")
	names := append([]string(nil), head...)
	if bom {
		names[0] = strings.TrimPrefix(names[0], "\ufeff")
	}
	ts := d.tsHeaders()
	keyIx := -1
	var tsIx []int
	for i, h := range names {
		if ts[h] {
			tsIx = append(tsIx, i)
		}
		if h == d.keyHeader() {
			keyIx = i
		}
	}
	var buf bytes.Buffer
	var w io.Writer = &buf
	if d.gbk() {
		w = simplifiedchinese.GB18030.NewEncoder().Writer(&buf)
	}
	cw := csv.NewWriter(w)
	cw.Comma = r.Comma
	if err := cw.Write(head); err != nil {
		return 0, err
	}
	n, row := 0, 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		row++
		key := fmt.Sprint(row)
		if keyIx >= 0 && keyIx < len(rec) {
			key = rec[keyIx]
		}
		if !d.take(key) || len(rec) != len(names) {
			continue
		}
		if keyIx >= 0 {
			rec[keyIx] = d.newKey(rec[keyIx])
		}
		for _, i := range tsIx {
			rec[i] = d.shift(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return 0, err
		}
		n++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, err
	}
	return n, os.WriteFile(dst, buf.Bytes(), 0o644)
}

func (d *deltaSource) ndjson(src, dst string) (int, error) {
	f, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	ts := d.tsHeaders()
	keyH := d.keyHeader()
	var buf bytes.Buffer
	n, row := 0, 0
	for sc.Scan() {
		row++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			continue // a deliberately broken line: not drawn
		}
		key := fmt.Sprint(row)
		if keyH != "" {
			key = fmt.Sprint(obj[keyH])
		}
		if !d.take(key) {
			continue
		}
		if v, ok := obj[keyH].(string); ok && keyH != "" {
			obj[keyH] = d.newKey(v)
		}
		for h := range ts {
			if v, ok := obj[h].(string); ok {
				obj[h] = d.shift(v)
			}
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return 0, err
		}
		buf.Write(b)
		buf.WriteByte('\n')
		n++
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return n, os.WriteFile(dst, buf.Bytes(), 0o644)
}

// parquet draws and rewrites a Parquet file in DuckDB: string timestamps
// are parsed and written back with the strftime spelling of the source's
// first layout.
func (d *deltaSource) parquet(ctx context.Context, wh warehouse.Warehouse, src, dst string) (int, error) {
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	q := warehouse.QuoteIdent
	keyH := d.keyHeader()
	if keyH == "" {
		return 0, fmt.Errorf("parquet delta needs an order_id or ticket_id column")
	}
	layout := strings.Split(d.src.TimestampLayout, "|")[0]
	fmtStr, err := strftimeOf(layout)
	if err != nil {
		return 0, err
	}
	day := lit(d.day.Format("2006-01-02"))
	var repl []string
	repl = append(repl, fmt.Sprintf("CAST(%s AS VARCHAR) || %s AS %s", q(keyH), lit("-D"+d.day.Format("20060102")), q(keyH)))
	for h := range d.tsHeaders() {
		p := fmt.Sprintf("try_strptime(CAST(%s AS VARCHAR), %s)", q(h), lit(fmtStr))
		repl = append(repl, fmt.Sprintf("coalesce(strftime(CAST(%s AS DATE) + (%s - date_trunc('day', %s)), %s), CAST(%s AS VARCHAR)) AS %s",
			day, p, p, lit(fmtStr), q(h), q(h)))
	}
	cp, err := render("delta_copy", struct {
		Replace, Src, Key, Dst string
		Share                  int64
	}{strings.Join(repl, ", "), lit(src), q(keyH), lit(dst), int64(d.share * 1_000_000)})
	if err != nil {
		return 0, err
	}
	if err := wh.Exec(ctx, cp); err != nil {
		return 0, err
	}
	cnt, err := render("count_parquet", struct{ Path string }{lit(dst)})
	if err != nil {
		return 0, err
	}
	n, err := warehouse.Int64(ctx, wh, cnt)
	return int(n), err
}

// strftimeOf spells a Go time layout for DuckDB's strptime/strftime.
func strftimeOf(layout string) (string, error) {
	repl := []struct{ goTok, c string }{
		{"2006", "%Y"}, {"-0700", "%z"}, {"Z07:00", "%z"}, {".000000", ".%f"}, {".000", ".%g"},
		{"01", "%m"}, {"02", "%d"}, {"15", "%H"}, {"04", "%M"}, {"05", "%S"}, {"1", "%-m"}, {"2", "%-d"},
	}
	var b strings.Builder
	for i := 0; i < len(layout); {
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(layout[i:], r.goTok) {
				b.WriteString(r.c)
				i += len(r.goTok)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		c := layout[i]
		if c >= '0' && c <= '9' {
			return "", fmt.Errorf("timestamp layout %q: no strftime spelling for %q", layout, layout[i:])
		}
		if c == '%' {
			b.WriteString("%%")
		} else {
			b.WriteByte(c)
		}
		i++
	}
	return b.String(), nil
}
