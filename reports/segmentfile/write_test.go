package segmentfile

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/xuri/excelize/v2"
)

// null marks a null cell in the test table.
const null = "\x00NULL"

// testRows is the batch every test exports. Row 1 carries formula
// injections, row 2 spellings that normalise (spaces in the phone, upper
// case in the email), row 3 nulls.
var testRows = [][]string{
	// customer_id, name, phone, email, region, rfm_tier, aipl_stage, clv_decile
	{"C001", "张三丰", "+8613812345678", "alice@example.com", "华东", "dormant", "A", "1"},
	{"C002", `=HYPERLINK("http://evil","x")`, "+8613900001111", "Bob.Smith@Example.COM", "@SUM(A1)", "active", null, "2"},
	{"C003", "Alice Smith", "138 0000 2222", " Carol@Example.cn ", "-2+3", "+cmd", "\tTAB", "3"},
	{"C004", null, null, null, "\rCR", "high_value", "P", null},
	{"C005", "李", "13700003333", "x@y.cn", "华南", "dormant", "L", "10"},
}

var testCols = []string{"customer_id", "name", "phone", "email", "region", "rfm_tier", "aipl_stage", "clv_decile"}

func testBatch(t *testing.T) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, 0, 10)
	for _, c := range testCols[:7] {
		fields = append(fields, arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	fields = append(fields,
		arrow.Field{Name: "clv_decile", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "clv", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "social_engaged", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	)
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for r, row := range testRows {
		for c := 0; c < 7; c++ {
			if row[c] == null {
				b.Field(c).AppendNull()
			} else {
				b.Field(c).(*array.StringBuilder).Append(row[c])
			}
		}
		if row[7] == null {
			b.Field(7).AppendNull()
		} else {
			var v int64
			for _, ch := range row[7] {
				v = v*10 + int64(ch-'0')
			}
			b.Field(7).(*array.Int64Builder).Append(v)
		}
		b.Field(8).(*array.Float64Builder).Append(float64(r) * 100.5)
		b.Field(9).(*array.BooleanBuilder).Append(r%2 == 0)
	}
	return b.NewRecordBatch()
}

func sha(salt, v string) string {
	s := sha256.Sum256([]byte(salt + v))
	return hex.EncodeToString(s[:])
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "\xEF\xBB\xBF") {
		t.Fatalf("%s: no UTF-8 byte order mark", path)
	}
	// encoding/csv drops a carriage return inside a quoted field; check the
	// raw bytes for the neutralised "\rCR" cell, then read it as "'CR"
	if strings.Contains(string(raw), "CR") && !strings.Contains(string(raw), "\"'\rCR\"") {
		t.Errorf("%s: the cell starting with a carriage return is not written as \"'\\rCR\"", path)
	}
	recs, err := csv.NewReader(strings.NewReader(string(raw[3:]))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for i, c := range rec {
			if c == "'CR" {
				rec[i] = "'\rCR"
			}
		}
	}
	return recs
}

func readXLSX(t *testing.T, path, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	// GetRows drops trailing empty cells; pad to the header width
	for i := range rows {
		for len(rows[i]) < len(rows[0]) {
			rows[i] = append(rows[i], "")
		}
	}
	return rows
}

func readParquet(t *testing.T, path string) arrow.Table {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pf.Close() })
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tbl.Release)
	return tbl
}

// column returns the values of a table column as text (null → null).
func column(t *testing.T, tbl arrow.Table, name string) []string {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) == 0 {
		t.Fatalf("no column %s", name)
	}
	var out []string
	for _, ch := range tbl.Column(idx[0]).Data().Chunks() {
		for i := 0; i < ch.Len(); i++ {
			if ch.IsNull(i) {
				out = append(out, null)
			} else {
				out = append(out, ch.ValueStr(i))
			}
		}
	}
	return out
}

func checkRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n%q", what, len(got), len(want), got)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("%s row %d:\n got %q\nwant %q", what, i, got[i], want[i])
		}
	}
}

// Expected cells, worked out by hand from testRows.
var (
	// privacy none, as text in CSV and XLSX: text cells starting with
	// = + - @ tab CR get a leading quote; nulls are empty
	wantPlain = [][]string{
		testCols,
		{"C001", "张三丰", "'+8613812345678", "alice@example.com", "华东", "dormant", "A", "1"},
		{"C002", `'=HYPERLINK("http://evil","x")`, "'+8613900001111", "Bob.Smith@Example.COM", "'@SUM(A1)", "active", "", "2"},
		{"C003", "Alice Smith", "138 0000 2222", " Carol@Example.cn ", "'-2+3", "'+cmd", "'\tTAB", "3"},
		{"C004", "", "", "", "'\rCR", "high_value", "P", ""},
		{"C005", "李", "13700003333", "x@y.cn", "华南", "dormant", "L", "10"},
	}
	// privacy mask: phones and emails normalised then masked, names keep
	// their first character, customer ids kept
	wantMasked = [][]string{
		testCols,
		{"C001", "张**", "'+86138****5678", "a***e@example.com", "华东", "dormant", "A", "1"},
		{"C002", "'=" + strings.Repeat("*", len(`HYPERLINK("http://evil","x")`)), "'+86139****1111", "b***h@example.com", "'@SUM(A1)", "active", "", "2"},
		{"C003", "A**********", "'+86138****2222", "c***l@example.cn", "'-2+3", "'+cmd", "'\tTAB", "3"},
		{"C004", "", "", "", "'\rCR", "high_value", "P", ""},
		{"C005", "*", "'+86137****3333", "***@y.cn", "华南", "dormant", "L", "10"},
	}
)

func wantHashed(salt string) [][]string {
	return [][]string{
		testCols,
		{sha(salt, "C001"), "张**", sha(salt, "+8613812345678"), sha(salt, "alice@example.com"), "华东", "dormant", "A", "1"},
		{sha(salt, "C002"), "'=" + strings.Repeat("*", len(`HYPERLINK("http://evil","x")`)), sha(salt, "+8613900001111"), sha(salt, "bob.smith@example.com"), "'@SUM(A1)", "active", "", "2"},
		{sha(salt, "C003"), "A**********", sha(salt, "+8613800002222"), sha(salt, "carol@example.cn"), "'-2+3", "'+cmd", "'\tTAB", "3"},
		{sha(salt, "C004"), "", "", "", "'\rCR", "high_value", "P", ""},
		{sha(salt, "C005"), "*", sha(salt, "+8613700003333"), sha(salt, "x@y.cn"), "华南", "dormant", "L", "10"},
	}
}

func TestCSV(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	dir := t.TempDir()
	const salt = "pepper-2024"
	for _, tc := range []struct {
		privacy string
		want    [][]string
	}{
		{"none", wantPlain},
		{"", wantPlain},
		{"mask", wantMasked},
		{"hash", wantHashed(salt)},
	} {
		path := filepath.Join(dir, "seg_"+tc.privacy+".csv")
		n, err := Write(rec, path, "csv", Options{Privacy: tc.privacy, Salt: []byte(salt)})
		if err != nil {
			t.Fatalf("%s: %v", tc.privacy, err)
		}
		if n != 5 {
			t.Errorf("%s: %d rows written, want 5", tc.privacy, n)
		}
		checkRows(t, "csv "+tc.privacy, readCSV(t, path), tc.want)
	}
}

func TestCSVColumnsAndTypes(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "out", "x.csv") // folder created
	n, err := Write(rec, path, "", Options{Columns: []string{"clv", "social_engaged", "region", "customer_id"}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Fatalf("%d rows", n)
	}
	// clv = row × 100.5; social_engaged = row is even
	checkRows(t, "csv columns", readCSV(t, path), [][]string{
		{"clv", "social_engaged", "region", "customer_id"},
		{"0", "true", "华东", "C001"},
		{"100.5", "false", "'@SUM(A1)", "C002"},
		{"201", "true", "'-2+3", "C003"},
		{"301.5", "false", "'\rCR", "C004"},
		{"402", "true", "华南", "C005"},
	})
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the file (no temporary left)", len(entries))
	}
}

func TestXLSX(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	dir := t.TempDir()
	const salt = "s3cret"
	for _, tc := range []struct {
		privacy string
		want    [][]string
	}{
		{"none", wantPlain},
		{"mask", wantMasked},
		{"hash", wantHashed(salt)},
	} {
		path := filepath.Join(dir, "seg_"+tc.privacy+".xlsx")
		n, err := Write(rec, path, "xlsx", Options{Privacy: tc.privacy, Salt: []byte(salt)})
		if err != nil {
			t.Fatalf("%s: %v", tc.privacy, err)
		}
		if n != 5 {
			t.Errorf("%s: %d rows written, want 5", tc.privacy, n)
		}
		checkRows(t, "xlsx "+tc.privacy, readXLSX(t, path, "segment"), tc.want)
	}

	// header frozen; numbers stored as numbers; injected text is not a formula
	f, err := excelize.OpenFile(filepath.Join(dir, "seg_none.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	panes, err := f.GetPanes("segment")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes = %+v, want the first row frozen", panes)
	}
	for _, cell := range []string{"B3", "E3", "C2"} {
		if fm, _ := f.GetCellFormula("segment", cell); fm != "" {
			t.Errorf("%s holds formula %q", cell, fm)
		}
	}
	typ, err := f.GetCellType("segment", "H2")
	if err != nil {
		t.Fatal(err)
	}
	if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("clv_decile cell type %v, want a number", typ)
	}
	if typ, _ := f.GetCellType("segment", "E3"); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
		t.Errorf("region cell type %v, want a string", typ)
	}

	// sheet name
	path := filepath.Join(dir, "named.xlsx")
	if _, err := Write(rec, path, "xlsx", Options{Sheet: "高价值", Columns: []string{"region"}}); err != nil {
		t.Fatal(err)
	}
	checkRows(t, "xlsx sheet", readXLSX(t, path, "高价值"), [][]string{{"region"}, {"华东"}, {"'@SUM(A1)"}, {"'-2+3"}, {"'\rCR"}, {"华南"}})
}

func TestParquet(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	dir := t.TempDir()
	const salt = "abc"

	// none: typed, and not altered against formula injection
	path := filepath.Join(dir, "seg.parquet")
	n, err := Write(rec, path, "parquet", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("%d rows written, want 5", n)
	}
	tbl := readParquet(t, path)
	if tbl.NumRows() != 5 || tbl.NumCols() != 8 {
		t.Fatalf("parquet %d × %d, want 5 × 8", tbl.NumRows(), tbl.NumCols())
	}
	if dt := tbl.Schema().Field(7).Type; dt.ID() != arrow.INT64 {
		t.Errorf("clv_decile is %s, want int64", dt)
	}
	for c, name := range testCols {
		want := make([]string, len(testRows))
		for r := range testRows {
			want[r] = testRows[r][c]
		}
		if got := column(t, tbl, name); !slices.Equal(got, want) {
			t.Errorf("parquet %s = %q, want %q", name, got, want)
		}
	}

	// mask: masked, no quote prefix
	path = filepath.Join(dir, "seg_mask.parquet")
	if _, err := Write(rec, path, "", Options{Privacy: "mask"}); err != nil {
		t.Fatal(err)
	}
	tbl = readParquet(t, path)
	if got, want := column(t, tbl, "phone"), []string{"+86138****5678", "+86139****1111", "+86138****2222", null, "+86137****3333"}; !slices.Equal(got, want) {
		t.Errorf("masked phones %q, want %q", got, want)
	}
	if got, want := column(t, tbl, "name"), []string{"张**", "=" + strings.Repeat("*", 28), "A**********", null, "*"}; !slices.Equal(got, want) {
		t.Errorf("masked names %q, want %q", got, want)
	}
	if got, want := column(t, tbl, "region")[1], "@SUM(A1)"; got != want {
		t.Errorf("parquet region %q, want %q (typed data is not altered)", got, want)
	}

	// hash
	path = filepath.Join(dir, "seg_hash.parquet")
	if _, err := Write(rec, path, "parquet", Options{Privacy: "hash", Salt: []byte(salt), Columns: []string{"customer_id", "email", "phone"}}); err != nil {
		t.Fatal(err)
	}
	tbl = readParquet(t, path)
	if got, want := column(t, tbl, "email"), []string{sha(salt, "alice@example.com"), sha(salt, "bob.smith@example.com"), sha(salt, "carol@example.cn"), null, sha(salt, "x@y.cn")}; !slices.Equal(got, want) {
		t.Errorf("hashed emails %q, want %q", got, want)
	}
	if got, want := column(t, tbl, "customer_id")[4], sha(salt, "C005"); got != want {
		t.Errorf("hashed id %q, want %q", got, want)
	}
}

func TestWriteAllBatches(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	a, b := rec.NewSlice(0, 2), rec.NewSlice(2, 5)
	defer a.Release()
	defer b.Release()
	dir := t.TempDir()
	for _, format := range Formats {
		path := filepath.Join(dir, "all."+format)
		n, err := WriteAll([]arrow.RecordBatch{a, b}, path, format, Options{Privacy: "mask"})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if n != 5 {
			t.Errorf("%s: %d rows, want 5", format, n)
		}
		switch format {
		case "csv":
			checkRows(t, "csv batches", readCSV(t, path), wantMasked)
		case "xlsx":
			checkRows(t, "xlsx batches", readXLSX(t, path, "segment"), wantMasked)
		case "parquet":
			if got := readParquet(t, path).NumRows(); got != 5 {
				t.Errorf("parquet batches: %d rows", got)
			}
		}
	}
}

func TestEmptySegment(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	empty := rec.NewSlice(0, 0)
	defer empty.Release()
	dir := t.TempDir()
	for _, format := range Formats {
		path := filepath.Join(dir, "empty."+format)
		n, err := Write(empty, path, format, Options{})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows", format, n)
		}
	}
	checkRows(t, "empty csv", readCSV(t, filepath.Join(dir, "empty.csv")), [][]string{testCols})
	if got := readParquet(t, filepath.Join(dir, "empty.parquet")).NumRows(); got != 0 {
		t.Errorf("empty parquet has %d rows", got)
	}
}

func TestWriteErrors(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	dir := t.TempDir()
	tests := []struct {
		name, path, format string
		opts               Options
	}{
		{"unknown format", "x.json", "", Options{}},
		{"unknown privacy", "x.csv", "csv", Options{Privacy: "encrypt"}},
		{"hash without salt", "x.csv", "csv", Options{Privacy: "hash"}},
		{"missing column", "x.csv", "csv", Options{Columns: []string{"region", "wechat"}}},
		{"duplicate column", "x.xlsx", "xlsx", Options{Columns: []string{"region", "region"}}},
	}
	for _, tc := range tests {
		path := filepath.Join(dir, tc.path)
		if _, err := Write(rec, path, tc.format, tc.opts); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s: a file was left at %s", tc.name, path)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left %d entries", len(entries))
	}
}

func TestMasks(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{MaskPhone, "+8613812345678", "+86138****5678"},
		{MaskPhone, "13812345678", "138****5678"},
		{MaskPhone, "+12025550123", "+120****0123"},
		{MaskPhone, "12345", "1**45"},
		{MaskPhone, "1234", "****"},
		{MaskPhone, "", ""},
		{MaskEmail, "alice@example.com", "a***e@example.com"},
		{MaskEmail, "ab@x.cn", "a***@x.cn"},
		{MaskEmail, "a@x.cn", "***@x.cn"},
		{MaskEmail, "张三@例子.中国", "张***@例子.中国"},
		{MaskEmail, "not-an-email", "n***********"},
		{MaskName, "张三丰", "张**"},
		{MaskName, "张三", "张*"},
		{MaskName, "李", "*"},
		{MaskName, " Alice Smith ", "A**********"},
		{MaskName, "", ""},
		{MaskID, "M123456789", "M1******89"},
		{MaskID, "oX7a", "****"},
		{SafeCell, "=1+1", "'=1+1"},
		{SafeCell, "+86", "'+86"},
		{SafeCell, "-1", "'-1"},
		{SafeCell, "@x", "'@x"},
		{SafeCell, "\tx", "'\tx"},
		{SafeCell, "\rx", "'\rx"},
		{SafeCell, " =x", " =x"},
		{SafeCell, "华东", "华东"},
		{SafeCell, "", ""},
	}
	for _, tc := range tests {
		if got := tc.fn(tc.in); got != tc.want {
			t.Errorf("%q → %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHashIdentifier(t *testing.T) {
	salt := []byte{0x01, 0xff, 'x'}
	tests := []struct{ kind, in, normalised string }{
		{KindPhone, "+8613812345678", "+8613812345678"},
		{KindPhone, "138 1234 5678", "+8613812345678"},
		{KindPhone, "0086-138-1234-5678", "+8613812345678"},
		{KindPhone, "not a phone", "not a phone"},
		{KindPhone, "１３８１２３４５６７８", "+8613812345678"},
		{KindPhone, "86 138 1234 5678", "+8613812345678"},
		{KindPhone, "(+86)138-1234-5678", "+8613812345678"},
		{KindPhone, "+1 202-555-0123", "+12025550123"},
		{KindPhone, "(021) 6234-5678", "02162345678"},
		{KindEmail, "mailto:Bob@X.cn", "bob@x.cn"},
		{KindEmail, " Alice@Example.COM ", "alice@example.com"},
		{KindCustomerID, " C0001 ", "C0001"},
		{KindExternalID, "oAbC", "oAbC"},
	}
	for _, tc := range tests {
		want := sha(string(salt), tc.normalised)
		if got := HashIdentifier(salt, tc.kind, tc.in, "CN"); got != want {
			t.Errorf("HashIdentifier(%s, %q) = %s, want sha256(salt||%q) = %s", tc.kind, tc.in, got, tc.normalised, want)
		}
	}
	// a different salt gives a different hash
	if HashIdentifier([]byte("a"), KindPhone, "13812345678", "") == HashIdentifier([]byte("b"), KindPhone, "13812345678", "") {
		t.Error("salt ignored")
	}
}
