package generate

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/schema"
	sourcereg "github.com/crmkit/crmkit/pipeline/source"
)

const (
	testCustomers = 4000
	testSeed      = 20240101
	examplePath   = "../../config/example.yaml"
	samplePrefix  = "../data/sample/"
)

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureSum  *Summary
	fixtureErr  error
)

// fixture generates one data set shared by the read-only tests.
func fixture(t *testing.T) (string, *Summary) {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "crmkit-generate-*")
		if fixtureErr != nil {
			return
		}
		fixtureSum, fixtureErr = Generate(Options{Dir: fixtureDir, Customers: testCustomers, Seed: testSeed})
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureDir, fixtureSum
}

func TestMain(m *testing.M) {
	// The example config names source formats; cmd/crmkit registers them
	// from pipeline/source at start, as this does.
	for _, f := range sourcereg.Formats() {
		config.RegisterFormat(f)
	}
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	opts := Options{Dir: a, Customers: 4500, Seed: 99}
	if _, err := Generate(opts); err != nil {
		t.Fatal(err)
	}
	// a different number of workers must not change a byte
	prev := runtime.GOMAXPROCS(1)
	opts.Dir = b
	_, err := Generate(opts)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := hashTree(t, a), hashTree(t, b)
	if len(ha) != len(hb) {
		t.Fatalf("file count differs: %d vs %d", len(ha), len(hb))
	}
	for p, h := range ha {
		if hb[p] != h {
			t.Errorf("%s differs between runs", p)
		}
	}
	for _, want := range []string{"erp/products.xlsx", "erp/stores.xlsx", "truth/identities.csv"} {
		if ha[want] == "" {
			t.Errorf("%s not written", want)
		}
	}

	c := t.TempDir()
	opts.Dir, opts.Seed = c, 100
	if _, err := Generate(opts); err != nil {
		t.Fatal(err)
	}
	if hashTree(t, c)["truth/identities.csv"] == ha["truth/identities.csv"] {
		t.Error("a different seed produced the same identities")
	}
}

func TestPOSIsGBK(t *testing.T) {
	dir, _ := fixture(t)
	files, _ := filepath.Glob(filepath.Join(dir, "pos", "receipts_*.csv"))
	if len(files) == 0 {
		t.Fatal("no POS files")
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if utf8.Valid(raw) {
		t.Error("POS file is valid UTF-8; want GBK")
	}
	dec, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(dec), "\n")
	want := "小票号,门店编号,门店名称,会员卡号,手机号,导购编号,交易时间,商品编码,商品名称,数量,单价,折扣,实收金额"
	if first != want {
		t.Errorf("header = %q, want %q", first, want)
	}
	if !strings.Contains(string(dec), "店,") {
		t.Error("no Chinese store names in the POS file")
	}
}

// ---- reading the generated files through example.yaml's mappings ----

type srcRow struct {
	file      string // relative to the data dir
	row       int    // as a person sees it
	vals      map[string]string
	wrongCols bool
}

func loadExample(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(examplePath)
	if err != nil {
		t.Fatalf("example.yaml: %v", err)
	}
	return cfg
}

// sourceFiles resolves a source glob against the generated directory.
func sourceFiles(t *testing.T, dir string, s *config.Source) []string {
	t.Helper()
	if !strings.HasPrefix(s.Path, samplePrefix) {
		t.Fatalf("source %s: path %q does not start with %q", s.Name, s.Path, samplePrefix)
	}
	m, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(s.Path, samplePrefix))))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

// readSource returns the header and the rows of every file of s.
func readSource(t *testing.T, dir string, s *config.Source, skipDup map[string]bool) (map[string][]string, []srcRow) {
	t.Helper()
	headers := map[string][]string{}
	var rows []srcRow
	for _, path := range sourceFiles(t, dir, s) {
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if skipDup[rel] {
			continue
		}
		var hdr []string
		var recs [][]string
		switch s.Format {
		case "csv":
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if s.Encoding == "gbk" {
				if b, err = simplifiedchinese.GBK.NewDecoder().Bytes(b); err != nil {
					t.Fatal(err)
				}
			}
			r := csv.NewReader(bytes.NewReader(b))
			r.FieldsPerRecord = -1
			all, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			hdr, recs = all[0], all[1:]
			for i, rec := range recs {
				rows = append(rows, srcRow{file: rel, row: i + 2, vals: mapRec(s, hdr, rec), wrongCols: len(rec) != len(hdr)})
			}
		case "xlsx":
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			all, err := f.GetRows(s.Sheet)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			hdr = all[0]
			for i, rec := range all[1:] {
				for len(rec) < len(hdr) {
					rec = append(rec, "")
				}
				rows = append(rows, srcRow{file: rel, row: i + 2, vals: mapRec(s, hdr, rec)})
			}
		case "ndjson":
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			line := 0
			for sc.Scan() {
				line++
				d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
				d.UseNumber()
				var obj map[string]any
				if err := d.Decode(&obj); err != nil {
					t.Fatalf("%s:%d: %v", rel, line, err)
				}
				if hdr == nil {
					for k := range obj {
						hdr = append(hdr, k)
					}
				}
				vals := map[string]string{}
				for canon, key := range s.Columns {
					switch v := obj[key].(type) {
					case string:
						vals[canon] = v
					case json.Number:
						vals[canon] = v.String()
					case nil:
					default:
						t.Fatalf("%s:%d: unexpected JSON value %v", rel, line, v)
					}
				}
				rows = append(rows, srcRow{file: rel, row: line, vals: vals})
			}
			f.Close()
		case "parquet":
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := pqarrow.ReadTable(context.Background(), f, parquet.NewReaderProperties(memory.DefaultAllocator),
				pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			sch := tbl.Schema()
			for _, fl := range sch.Fields() {
				hdr = append(hdr, fl.Name)
			}
			n := int(tbl.NumRows())
			cols := map[string][]string{}
			for canon, name := range s.Columns {
				idx := sch.FieldIndices(name)
				if len(idx) == 0 {
					continue
				}
				var vals []string
				for _, ch := range tbl.Column(idx[0]).Data().Chunks() {
					for i := 0; i < ch.Len(); i++ {
						if ch.IsNull(i) {
							vals = append(vals, "")
							continue
						}
						switch a := ch.(type) {
						case *array.String:
							vals = append(vals, a.Value(i))
						case *array.Int64:
							vals = append(vals, strconv.FormatInt(a.Value(i), 10))
						case *array.Float64:
							vals = append(vals, strconv.FormatFloat(a.Value(i), 'f', -1, 64))
						default:
							t.Fatalf("%s: column %s has type %s", rel, name, ch.DataType())
						}
					}
				}
				cols[canon] = vals
			}
			for i := 0; i < n; i++ {
				vals := map[string]string{}
				for c, v := range cols {
					vals[c] = v[i]
				}
				rows = append(rows, srcRow{file: rel, row: i + 1, vals: vals})
			}
			tbl.Release()
		}
		headers[rel] = hdr
	}
	return headers, rows
}

func mapRec(s *config.Source, hdr, rec []string) map[string]string {
	idx := map[string]int{}
	for i, h := range hdr {
		idx[h] = i
	}
	vals := map[string]string{}
	for canon, h := range s.Columns {
		if i, ok := idx[h]; ok && i < len(rec) {
			vals[canon] = rec[i]
		}
	}
	return vals
}

// firstBad applies the schema's rules in canonical field order, as ingest
// is expected to: it returns the first bad column and the kind.
func firstBad(s *config.Source, tbl *schema.Table, r srcRow) (string, string) {
	if r.wrongCols {
		return "", "wrong_columns"
	}
	for _, f := range tbl.Fields {
		v := strings.TrimSpace(r.vals[f.Name])
		if c, ok := s.Constants[f.Name]; ok {
			v = c
		}
		if v == "" {
			if f.Required {
				return f.Name, "missing_required"
			}
			continue
		}
		switch f.Type {
		case schema.Int, schema.Float:
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || (f.Type == schema.Int && x != float64(int64(x))) {
				return f.Name, "bad_number"
			}
			if f.Rule == schema.Positive && x <= 0 {
				return f.Name, "negative_qty"
			}
			if f.Rule == schema.NonNegative && x < 0 {
				return f.Name, "negative_number"
			}
		case schema.Timestamp:
			ok := false
			for _, l := range strings.Split(s.TimestampLayout, "|") {
				if _, err := time.ParseInLocation(l, v, s.Location); err == nil {
					ok = true
					break
				}
			}
			if !ok {
				return f.Name, "bad_date"
			}
		case schema.Date:
			if _, err := time.ParseInLocation(s.DateLayout, v, s.Location); err != nil {
				return f.Name, "bad_date"
			}
		}
		if len(f.Enum) > 0 {
			found := false
			for _, e := range f.Enum {
				if strings.ToLower(v) == e {
					found = true
				}
			}
			if !found {
				return f.Name, "bad_enum"
			}
		}
	}
	return "", ""
}

func TestExampleConfigMatchesFiles(t *testing.T) {
	dir, sum := fixture(t)
	cfg := loadExample(t)
	names := map[string]bool{}
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		names[s.Name] = true
		files := sourceFiles(t, dir, s)
		if len(files) == 0 {
			t.Errorf("source %s: glob %s matches no generated file", s.Name, s.Path)
			continue
		}
		headers, _ := readSource(t, dir, s, nil)
		for file, hdr := range headers {
			have := map[string]bool{}
			for _, h := range hdr {
				have[h] = true
			}
			for canon, h := range s.Columns {
				if !have[h] {
					t.Errorf("source %s: column %s -> %q not in %s", s.Name, canon, h, file)
				}
			}
		}
	}
	for _, want := range []string{"tmall_orders", "shopify_orders", "jd_orders", "pos_receipts", "erp_products",
		"erp_stores", "social_followers", "social_interactions", "campaigns", "campaign_contacts", "service_tickets"} {
		if !names[want] {
			t.Errorf("example.yaml has no source %s", want)
		}
	}
	// every generated source file belongs to exactly one source
	for _, f := range sum.Files {
		n := 0
		for i := range cfg.Sources {
			rel := strings.TrimPrefix(cfg.Sources[i].Path, samplePrefix)
			if ok, _ := filepath.Match(rel, f.Path); ok {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s matches %d sources", f.Path, n)
		}
	}
	// blocklist holds the fixed junk values
	junk := readCSV(t, filepath.Join(dir, "truth", "junk.csv"))
	block := map[string]bool{}
	for _, b := range cfg.Identity.Blocklist {
		block[b] = true
	}
	var pats []*regexp.Regexp
	for _, p := range cfg.Identity.BlockPatterns {
		pats = append(pats, regexp.MustCompile(p))
	}
	for _, j := range junk[1:] {
		hit := block[j[1]]
		for _, p := range pats {
			hit = hit || p.MatchString(j[1])
		}
		if !hit {
			t.Errorf("junk value %q is neither blocklisted nor matched by a block pattern", j[1])
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	all, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestBadRowsExact checks every row of every file against the schema rules
// through example.yaml: the bad rows found must be exactly truth/bad_rows.csv,
// and the counts must match the Summary.
func TestBadRowsExact(t *testing.T) {
	dir, sum := fixture(t)
	cfg := loadExample(t)
	truth := readCSV(t, filepath.Join(dir, "truth", "bad_rows.csv"))
	if got := strings.Join(truth[0], ","); got != "file,row,column,kind" {
		t.Fatalf("bad_rows header %q", got)
	}
	if len(truth)-1 != sum.BadRows {
		t.Errorf("bad_rows.csv has %d rows, Summary.BadRows = %d", len(truth)-1, sum.BadRows)
	}
	if sum.BadRows < 40 {
		t.Errorf("only %d bad rows", sum.BadRows)
	}
	want := map[string]bool{}
	perFile := map[string]int{}
	kinds := map[string]int{}
	for _, r := range truth[1:] {
		want[strings.Join(r, ",")] = true
		perFile[r[0]]++
		kinds[r[3]]++
	}
	for _, k := range []string{"bad_date", "bad_number", "missing_required", "negative_qty", "wrong_columns"} {
		if kinds[k] == 0 {
			t.Errorf("no bad rows of kind %s", k)
		}
	}
	dups := map[string]bool{}
	rowsPerFile := map[string]int{}
	for _, f := range sum.Files {
		if f.DuplicateOf != "" {
			dups[f.Path] = true
			continue
		}
		if perFile[f.Path] != f.BadRows {
			t.Errorf("%s: %d bad rows in bad_rows.csv, %d in Summary", f.Path, perFile[f.Path], f.BadRows)
		}
		rowsPerFile[f.Path] = f.Rows
	}
	if len(dups) != 1 {
		t.Errorf("want one duplicate file, got %v", dups)
	}
	got := map[string]bool{}
	seenRows := map[string]int{}
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		tbl, _ := schema.Lookup(s.Table)
		_, rows := readSource(t, dir, s, dups)
		for _, r := range rows {
			seenRows[r.file]++
			if col, kind := firstBad(s, tbl, r); kind != "" {
				got[fmt.Sprintf("%s,%d,%s,%s", r.file, r.row, col, kind)] = true
			}
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("listed bad row not bad as described: %s", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("unlisted bad row: %s", k)
		}
	}
	for f, n := range rowsPerFile {
		if seenRows[f] != n {
			t.Errorf("%s: Summary says %d rows, file has %d", f, n, seenRows[f])
		}
	}
	// the duplicate is byte-identical to its original
	for _, f := range sum.Files {
		if f.DuplicateOf != "" {
			a, _ := os.ReadFile(filepath.Join(dir, f.Path))
			b, _ := os.ReadFile(filepath.Join(dir, f.DuplicateOf))
			if !bytes.Equal(a, b) || len(a) == 0 {
				t.Errorf("%s is not a copy of %s", f.Path, f.DuplicateOf)
			}
		}
	}
}

// idKey normalises an identifier the way the stitcher is expected to.
func idKey(idType, v string) (string, bool) {
	switch idType {
	case "phone":
		d, ok := NormalizePhone(v)
		return "phone|" + d, ok
	case "email":
		return "email|" + strings.ToLower(strings.TrimSpace(v)), true
	}
	return idType + "|" + strings.TrimSpace(v), true
}

func TestTruthConsistent(t *testing.T) {
	dir, sum := fixture(t)
	ids := readCSV(t, filepath.Join(dir, "truth", "identities.csv"))
	if strings.Join(ids[0], ",") != "id_type,value,person_id" {
		t.Fatalf("identities header %v", ids[0])
	}
	if len(ids)-1 != sum.Identities {
		t.Errorf("identities.csv has %d rows, Summary %d", len(ids)-1, sum.Identities)
	}
	phoneOf := map[string]string{}
	owner := map[string]string{}
	seen := map[string]bool{}
	types := map[string]int{}
	spellings := map[string]int{}
	for _, r := range ids[1:] {
		idType, v, pid := r[0], r[1], r[2]
		types[idType]++
		if seen[idType+"|"+v] {
			t.Errorf("duplicate truth row %s %q", idType, v)
		}
		seen[idType+"|"+v] = true
		key, ok := idKey(idType, v)
		if !ok {
			t.Errorf("phone %q of %s does not normalise", v, pid)
			continue
		}
		if o, ok := owner[key]; ok && o != pid {
			t.Errorf("%s belongs to %s and %s", key, o, pid)
		}
		owner[key] = pid
		switch idType {
		case "phone":
			d, _ := NormalizePhone(v)
			if p, ok := phoneOf[pid]; ok && p != d {
				t.Errorf("%s has two phones %s and %s", pid, p, d)
			}
			phoneOf[pid] = d
			spellings[pid]++
		case "buyer_id":
			ch, _, _ := strings.Cut(v, ":")
			if ch != "tmall" && ch != "shopify" && ch != "jd" {
				t.Errorf("buyer_id %q lacks a channel prefix", v)
			}
		case "email", "member_card", "openid", "unionid":
		default:
			t.Errorf("unknown id_type %q", idType)
		}
	}
	for _, ty := range []string{"phone", "email", "member_card", "buyer_id", "openid", "unionid"} {
		if types[ty] == 0 {
			t.Errorf("no %s identities", ty)
		}
	}
	multi := 0
	for _, n := range spellings {
		if n > 1 {
			multi++
		}
	}
	if multi < len(spellings)/4 {
		t.Errorf("only %d of %d people have several phone spellings", multi, len(spellings))
	}
	junk := readCSV(t, filepath.Join(dir, "truth", "junk.csv"))
	if strings.Join(junk[0], ",") != "id_type,value,persons" {
		t.Fatalf("junk header %v", junk[0])
	}
	jt := map[string]bool{}
	for _, j := range junk[1:] {
		if seen[j[0]+"|"+j[1]] {
			t.Errorf("junk value %q is also a personal identifier", j[1])
		}
		if n, _ := strconv.Atoi(j[2]); n < 1 {
			t.Errorf("junk %q used by %s persons", j[1], j[2])
		}
		jt[j[1]] = true
	}
	for _, v := range []string{"400-820-8820", "test@test.com", "00000000"} {
		if !jt[v] {
			t.Errorf("junk value %s not used", v)
		}
	}
}

// TestStitchingTruthAchievable links identifiers that share a good record
// (skipping junk) and checks the components are exactly the true people:
// a correct stitcher can reach precision and recall 1 on this data.
func TestStitchingTruthAchievable(t *testing.T) {
	dir, sum := fixture(t)
	cfg := loadExample(t)
	owner := map[string]string{}
	for _, r := range readCSV(t, filepath.Join(dir, "truth", "identities.csv"))[1:] {
		k, _ := idKey(r[0], r[1])
		owner[k] = r[2]
	}
	junk := map[string]bool{}
	for _, r := range readCSV(t, filepath.Join(dir, "truth", "junk.csv"))[1:] {
		junk[r[1]] = true
	}
	bad := map[string]bool{}
	for _, r := range readCSV(t, filepath.Join(dir, "truth", "bad_rows.csv"))[1:] {
		bad[r[0]+"#"+r[1]] = true
	}
	dups := map[string]bool{}
	for _, f := range sum.Files {
		if f.DuplicateOf != "" {
			dups[f.Path] = true
		}
	}
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok {
			parent[x] = x
			return x
		}
		if p == x {
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	unknown := 0
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		_, rows := readSource(t, dir, s, dups)
		for _, r := range rows {
			if bad[r.file+"#"+strconv.Itoa(r.row)] {
				continue
			}
			var keys []string
			add := func(idType, v string) {
				v2 := strings.TrimSpace(v)
				if v2 == "" || junk[v] || junk[v2] {
					return
				}
				k, ok := idKey(idType, v)
				if !ok {
					t.Errorf("%s row %d: %s %q is neither a mobile nor listed as junk", r.file, r.row, idType, v)
					return
				}
				if _, ok := owner[k]; !ok {
					unknown++
					if unknown < 10 {
						t.Errorf("%s row %d: %s not in identities.csv", r.file, r.row, k)
					}
				}
				keys = append(keys, k)
			}
			switch s.Table {
			case "order_lines":
				add("phone", r.vals["phone"])
				add("email", r.vals["email"])
				add("member_card", r.vals["member_card"])
				if v := r.vals["buyer_id"]; v != "" {
					add("buyer_id", s.Channel+":"+v)
				}
			case "social_accounts":
				add("openid", r.vals["openid"])
				add("unionid", r.vals["unionid"])
				add("phone", r.vals["phone"])
			case "social_interactions":
				add("openid", r.vals["openid"])
			case "campaign_contacts", "service_tickets":
				add(r.vals["identifier_type"], r.vals["identifier"])
			}
			for i := range keys {
				find(keys[i])
				if i > 0 {
					parent[find(keys[i])] = find(keys[0])
				}
			}
		}
	}
	compPerson := map[string]string{}
	personComp := map[string]string{}
	for k := range parent {
		c, p := find(k), owner[k]
		if q, ok := compPerson[c]; ok && q != p {
			t.Errorf("component joins %s and %s (via %s)", q, p, k)
		}
		compPerson[c] = p
	}
	for k, p := range owner {
		if _, ok := parent[k]; !ok {
			t.Errorf("truth identifier %s of %s appears in no good record", k, p)
			continue
		}
		c := find(k)
		if d, ok := personComp[p]; ok && d != c {
			t.Errorf("%s is split over two components (at %s)", p, k)
		}
		personComp[p] = c
	}
	t.Logf("%d identifiers, %d people with identifiers, %d components", len(owner), len(personComp), len(compPerson))
}

func TestSummary(t *testing.T) {
	dir, sum := fixture(t)
	if sum.Persons != testCustomers {
		t.Errorf("Persons = %d", sum.Persons)
	}
	if sum.Buyers < testCustomers/2 || sum.OrderLines < 5*testCustomers {
		t.Errorf("too little activity: %d buyers, %d order lines", sum.Buyers, sum.OrderLines)
	}
	n := 0
	for _, f := range sum.Files {
		if _, err := os.Stat(filepath.Join(dir, f.Path)); err != nil {
			t.Error(err)
		}
		if f.Rows == 0 {
			t.Errorf("%s has no rows", f.Path)
		}
		n += f.Rows
	}
	if !sort.SliceIsSorted(sum.Files, func(i, j int) bool { return sum.Files[i].Path < sum.Files[j].Path }) {
		t.Error("Files not sorted")
	}
	_ = n
	// products sold but missing from the master
	var missing int
	for _, o := range offMaster {
		b, _ := os.ReadFile(filepath.Join(dir, "ecommerce", "tmall", "orders_202506.ndjson"))
		if bytes.Contains(b, []byte(o.sku)) {
			missing++
		}
	}
	if missing == 0 {
		t.Error("no off-master SKU sold in tmall 2025-06")
	}
}

func TestProgressAndOptions(t *testing.T) {
	var calls, last int
	_, err := Generate(Options{Dir: t.TempDir(), Customers: 2500, Seed: 1,
		From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		Progress: func(done, total int) {
			calls++
			last = done
			if total != 2500 {
				t.Errorf("total = %d", total)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || last != 2500 {
		t.Errorf("progress calls=%d last=%d", calls, last)
	}
	if _, err := Generate(Options{}); err == nil {
		t.Error("no error without Dir")
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, s := range []string{"13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "86 13812345678",
		"(+86)13812345678", "+8613812345678", "138-1234-5678", "138 1234 5678"} {
		if d, ok := NormalizePhone(s); !ok || d != "13812345678" {
			t.Errorf("NormalizePhone(%q) = %q, %v", s, d, ok)
		}
	}
	for _, s := range []string{"400-820-8820", "021-62881234", "", "1381234567", "abc"} {
		if _, ok := NormalizePhone(s); ok {
			t.Errorf("NormalizePhone(%q) accepted", s)
		}
	}
	var d [11]byte
	copy(d[:], "13812345678")
	for sp := 0; sp < nPhoneSpellings; sp++ {
		if n, ok := NormalizePhone(string(appendPhone(nil, &d, sp))); !ok || n != "13812345678" {
			t.Errorf("spelling %d does not normalise", sp)
		}
	}
}

// TestEdgeSizes covers tiny runs and a period before most stores opened.
func TestEdgeSizes(t *testing.T) {
	for _, n := range []int{1, 7, 300} {
		if _, err := Generate(Options{Dir: t.TempDir(), Customers: n, Seed: 5}); err != nil {
			t.Fatal(n, err)
		}
	}
	_, err := Generate(Options{Dir: t.TempDir(), Customers: 500, Seed: 5,
		From: time.Date(2012, 2, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2012, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkGenerate100k: go test -run '^$' -bench Generate100k ./pipeline/generate/
func BenchmarkGenerate100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		s, err := Generate(Options{Dir: dir, Customers: 100_000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(s.OrderLines), "order_lines")
		b.ReportMetric(float64(s.Rows)/s.Elapsed.Seconds(), "rows/s")
	}
}
