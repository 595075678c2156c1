//go:build !nobigquery

package warehouse

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func TestTranslateToBigQuery(t *testing.T) {
	ph := func(i int) string { return "@p" + string(rune('0'+i)) }
	cases := []struct{ name, in, want string }{
		{"ddl types and quoted identifiers",
			`CREATE TABLE IF NOT EXISTS quarantine (load_id VARCHAR NOT NULL, "row" BIGINT NOT NULL, "column" VARCHAR, x DOUBLE, t TIMESTAMPTZ, b BOOLEAN, n INTEGER)`,
			"CREATE TABLE IF NOT EXISTS quarantine (load_id STRING NOT NULL, `row` INT64 NOT NULL, `column` STRING, x FLOAT64, t TIMESTAMP, b BOOL, n INT64)"},
		{"string escapes, now(), placeholders, comments",
			"SELECT 'it''s a \\ path', now(), ? FROM t WHERE a = ? -- trailing ?",
			`SELECT 'it\'s a \\ path', CURRENT_TIMESTAMP(), @p0 FROM t WHERE a = @p1 `},
		{"star exclude, qualified names untouched",
			`SELECT r.* EXCLUDE (_file), r.double FROM raw r`,
			"SELECT r.* EXCEPT (_file), r.double FROM raw r"},
		{"casts, words containing type names, doubled quote in identifier",
			`SELECT CAST(x AS VARCHAR), varchar_col, "a""b" /* ? */ FROM t`,
			"SELECT CAST(x AS STRING), varchar_col, `a\"b`   FROM t"},
		{"reserved column names quoted",
			"SELECT lf.hash, partition FROM job_runs QUALIFY row_number() OVER (PARTITION BY hash ORDER BY 1) = 1",
			"SELECT lf.`hash`, `partition` FROM job_runs QUALIFY row_number() OVER (PARTITION BY `hash` ORDER BY 1) = 1"},
		{"backticks kept", "SELECT `p.d.t`.x FROM `p.d.t`", "SELECT `p.d.t`.x FROM `p.d.t`"},
		{"a function named like a type is left alone", "SELECT double(x)", "SELECT double(x)"},
		{"duckdb storage hints left out",
			`CREATE TABLE t (a VARCHAR NOT NULL USING COMPRESSION dictionary, b VARCHAR USING  compression fsst, n BIGINT)`,
			"CREATE TABLE t (a STRING NOT NULL , b STRING , n INT64)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := TranslateToBigQuery(c.in, ph); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	if n := CountPlaceholders(`SELECT '?', "?", ? /* ? */ -- ?`); n != 1 {
		t.Errorf("CountPlaceholders = %d, want 1 (the others are in literals or comments)", n)
	}
}

// TestTableSchema converts declared Arrow schemas to the BigQuery schema and
// layout CreateTable sends to the tables API: types per column, REQUIRED
// where the field is not nullable, storage hints dropped.
func TestTableSchema(t *testing.T) {
	tz := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	cases := []struct {
		name      string
		table     string
		fields    []arrow.Field
		want      string // name:TYPE[!] per column, ! = REQUIRED
		partition string // field and type, "" = none
		cluster   []string
	}{
		{"bookkeeping: required columns, no layout", "load_files", []arrow.Field{
			{Name: "load_id", Type: arrow.BinaryTypes.String},
			{Name: "bytes", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "loaded_at", Type: tz, Nullable: true},
		}, "load_id:STRING! bytes:INTEGER loaded_at:TIMESTAMP", "", nil},
		{"mart: daily on as_of, clustered on customer_id", "rfm", []arrow.Field{
			{Name: "as_of", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
			Compressed(arrow.Field{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true}, CompressNone),
			{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		}, "as_of:DATE customer_id:STRING score:FLOAT", "as_of DAY", []string{"customer_id"}},
		{"identity assignments cluster on their join keys", "identity_assignments", []arrow.Field{
			{Name: "rec_table", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "rec_key", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
		}, "rec_table:STRING rec_key:STRING customer_id:STRING", "", []string{"rec_table", "rec_key"}},
		{"event table: monthly on its event time", "social_interactions", []arrow.Field{
			{Name: "ts", Type: tz, Nullable: true},
			{Name: "customer_id", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
		}, "ts:TIMESTAMP customer_id:STRING flag:BOOLEAN!", "ts MONTH", []string{"customer_id"}},
		{"as_of that is not a DATE gives no partition", "x", []arrow.Field{
			{Name: "as_of", Type: arrow.BinaryTypes.String, Nullable: true},
		}, "as_of:STRING", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bs := TableSchema(arrow.NewSchema(c.fields, nil))
			var got []string
			for _, f := range bs {
				s := f.Name + ":" + string(f.Type)
				if f.Required {
					s += "!"
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("schema %s, want %s", g, c.want)
			}
			md := &bigquery.TableMetadata{Schema: bs}
			layoutOfSchema(c.table, bs).apply(md)
			part := ""
			if tp := md.TimePartitioning; tp != nil {
				part = tp.Field + " " + string(tp.Type)
			}
			if part != c.partition {
				t.Errorf("partition %q, want %q", part, c.partition)
			}
			var cl []string
			if md.Clustering != nil {
				cl = md.Clustering.Fields
			}
			if strings.Join(cl, ",") != strings.Join(c.cluster, ",") {
				t.Errorf("cluster %v, want %v", cl, c.cluster)
			}
		})
	}
}

// TestCreateTableAsLayout checks the clauses CreateTableAs puts between the
// table name and AS: from the table's name alone, as the query's column
// types are not known before it runs.
func TestCreateTableAsLayout(t *testing.T) {
	cases := []struct{ table, want string }{
		{"orders", " PARTITION BY TIMESTAMP_TRUNC(`order_ts`, MONTH) CLUSTER BY `customer_id`"},
		{"service_tickets", " PARTITION BY TIMESTAMP_TRUNC(`opened_ts`, MONTH) CLUSTER BY `customer_id`"},
		{"publish_order_facts", " PARTITION BY TIMESTAMP_TRUNC(`order_ts`, MONTH) CLUSTER BY `customer_id`"},
		{"identity_assignments", " CLUSTER BY `rec_table`, `rec_key`"},
		{"products", ""},
		{"order_versions", ""},
	}
	for _, c := range cases {
		t.Run(c.table, func(t *testing.T) {
			if got := LayoutFor(c.table, nil).ddl(); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestPrepareParameters(t *testing.T) {
	ts := time.Date(2024, 2, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var nilStr *string
	n := 7
	p, err := prepare(`INSERT INTO t VALUES (?, ?, ?, ?, 'x?')`, "s1_", []any{"a", nil, ts, nilStr})
	if err != nil {
		t.Fatal(err)
	}
	if want := "INSERT INTO t VALUES (@s1_p0, NULL, @s1_p2, NULL, 'x?')"; p.sql != want {
		t.Errorf("sql = %s, want %s", p.sql, want)
	}
	if len(p.params) != 2 || p.params[0].Value != "a" || !p.params[1].Value.(time.Time).Equal(ts) || p.params[1].Value.(time.Time).Location() != time.UTC {
		t.Errorf("params = %+v", p.params)
	}
	p, err = prepare(`SELECT ?`, "", []any{&n})
	if err != nil || p.params[0].Value != int64(7) {
		t.Errorf("pointer to int: %+v %v", p.params, err)
	}
	p, err = prepare(`SELECT $2, $1, $2`, "", []any{"a", "b"})
	if err != nil || p.sql != "SELECT @p1, @p0, @p1" || len(p.params) != 2 {
		t.Errorf("numbered placeholders: %s %+v %v", p.sql, p.params, err)
	}
	if _, err := prepare(`SELECT ?, ?`, "", []any{1}); err == nil {
		t.Error("want an error for 2 placeholders and 1 argument")
	}
}

func TestBigQueryCredentials(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	files := func(fs ...string) func(string) bool {
		return func(p string) bool {
			for _, f := range fs {
				if f == p {
					return true
				}
			}
			return false
		}
	}
	no := func() bool { return false }
	cases := []struct {
		name        string
		credEnv     string
		env         map[string]string
		files       []string
		gce         bool
		wantKey     string
		wantErrPart string
	}{
		{name: "key path from the named variable", credEnv: "CRM_BQ_KEY", env: map[string]string{"CRM_BQ_KEY": "/k.json"}, files: []string{"/k.json"}, wantKey: "/k.json"},
		{name: "named variable unset", credEnv: "CRM_BQ_KEY", env: map[string]string{}, wantErrPart: "CRM_BQ_KEY is not set"},
		{name: "named variable points nowhere", credEnv: "CRM_BQ_KEY", env: map[string]string{"CRM_BQ_KEY": "/nope.json"}, wantErrPart: "no such file"},
		{name: "ADC from GOOGLE_APPLICATION_CREDENTIALS", env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": "/adc.json"}, files: []string{"/adc.json"}},
		{name: "GOOGLE_APPLICATION_CREDENTIALS points nowhere", env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": "/x.json"}, wantErrPart: "GOOGLE_APPLICATION_CREDENTIALS"},
		{name: "gcloud application-default login", env: map[string]string{"HOME": "/home/u"}, files: []string{"/home/u/.config/gcloud/application_default_credentials.json"}},
		{name: "metadata server on Google Cloud", env: map[string]string{"HOME": "/home/u"}, gce: true},
		{name: "nothing at all", env: map[string]string{"HOME": "/home/u"}, wantErrPart: "GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gce := no
			if c.gce {
				gce = func() bool { return true }
			}
			src, err := bigQueryCredentials(c.credEnv, env(c.env), files(c.files...), gce)
			if c.wantErrPart != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErrPart) || !errors.Is(err, ErrNoCredentials) {
					t.Fatalf("err = %v, want ErrNoCredentials mentioning %q", err, c.wantErrPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.keyFile != c.wantKey {
				t.Errorf("key file = %q, want %q", src.keyFile, c.wantKey)
			}
		})
	}
	// OpenBigQuery itself names what is missing before any network call.
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("CLOUDSDK_CONFIG", t.TempDir())
	t.Setenv("CRM_UNSET_KEY", "")
	_, err := OpenBigQuery(context.Background(), BigQueryOptions{Project: "p", Dataset: "d", CredentialsEnv: "CRM_UNSET_KEY"})
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), "CRM_UNSET_KEY") {
		t.Errorf("OpenBigQuery err = %v", err)
	}
}

func TestWriteParquetNormalizes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, -2}, nil)
	b.Field(1).(*array.Uint8Builder).AppendValues([]uint8{3, 4}, nil)
	b.Field(2).(*array.Float32Builder).AppendValues([]float32{1.5, 2.25}, nil)
	t0 := time.Date(2024, 1, 31, 17, 30, 0, 123456789, time.UTC)
	b.Field(3).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(t0.UnixNano()), 0}, []bool{true, false})
	b.Field(4).(*array.Date32Builder).Append(arrow.Date32FromTime(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)))
	b.Field(4).AppendNull()
	b.Field(5).(*array.StringBuilder).AppendValues([]string{"x", ""}, []bool{true, false})
	rec := b.NewRecordBatch()
	defer rec.Release()

	var buf bytes.Buffer
	n, err := writeParquet(&buf, schema, []arrow.RecordBatch{rec, rec}, false)
	if err != nil || n != 4 {
		t.Fatalf("writeParquet = %d, %v", n, err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 4 {
		t.Fatalf("rows = %d", tbl.NumRows())
	}
	want := map[string]string{"i32": "int64", "u8": "int64", "f32": "float64", "ts": "timestamp[us, tz=UTC]", "d": "date32", "s": "utf8"}
	for _, f := range tbl.Schema().Fields() {
		if f.Type.String() != want[f.Name] {
			t.Errorf("%s: parquet type %s, want %s", f.Name, f.Type, want[f.Name])
		}
	}
	ts := tbl.Column(3).Data().Chunk(0).(*array.Timestamp)
	// Nanoseconds are truncated to the microseconds BigQuery keeps.
	if got := ts.Value(0).ToTime(arrow.Microsecond); !got.Equal(t0.Truncate(time.Microsecond)) || !ts.IsNull(1) {
		t.Errorf("ts = %v (null %v)", got, ts.IsNull(1))
	}
	if got := tbl.Column(0).Data().Chunk(0).(*array.Int64).Value(1); got != -2 {
		t.Errorf("i32[1] = %d", got)
	}
}

func TestScanValue(t *testing.T) {
	var s string
	var ps *string
	var i int64
	var pi *int64
	var f float64
	var tm time.Time
	var anyv any
	steps := []struct {
		dest any
		v    bigquery.Value
		ok   func() bool
	}{
		{&s, "x", func() bool { return s == "x" }},
		{&ps, nil, func() bool { return ps == nil }},
		{&ps, "y", func() bool { return ps != nil && *ps == "y" }},
		{&i, int64(5), func() bool { return i == 5 }},
		{&pi, int64(6), func() bool { return pi != nil && *pi == 6 }},
		{&f, int64(2), func() bool { return f == 2 }},
		{&tm, civil.Date{Year: 2024, Month: 2, Day: 1}, func() bool { return tm.Equal(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)) }},
		{&anyv, float64(1.5), func() bool { return anyv == 1.5 }},
	}
	for k, st := range steps {
		if err := scanValue(st.dest, st.v); err != nil || !st.ok() {
			t.Errorf("step %d: scan %v into %T: err %v", k, st.v, st.dest, err)
		}
	}
	if err := scanValue(&s, nil); err == nil {
		t.Error("NULL into a string: want an error, like database/sql")
	}
}

// TestDuckDBDialectHelpers runs DuckDB's spellings of the dialect helpers
// and checks them against dates worked out by hand.
func TestDuckDBDialectHelpers(t *testing.T) {
	wh, err := OpenDuckDB(filepath.Join(t.TempDir(), "d.duckdb"), DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	d := SQLOf(wh.Dialect())
	ts := "TIMESTAMPTZ '2024-01-31 17:30:00+00'" // 01:30 on 1 Feb in Shanghai (UTC+8)
	q := "SELECT CAST(" + d.LocalDate(ts, "Asia/Shanghai") + " AS VARCHAR), " +
		d.FormatDate(d.MonthStart(d.LocalDate(ts, "Asia/Shanghai")), "%Y-%m") + ", " +
		d.FormatDate(d.MonthStart(d.LocalDate(ts, "UTC")), "%Y-%m-%d") + ", " +
		d.DateDiffDays("DATE '2024-01-01'", "DATE '2024-03-01'") + ", " + // 31 + 29 (leap year)
		"CAST(" + d.AddDays("DATE '2024-02-28'", "2") + " AS VARCHAR), " +
		d.String("it's") + ", CAST(" + d.LocalDateTime(ts, "Asia/Shanghai") + " AS VARCHAR)"
	var localDay, month, utcMonth, addDays, lit, wall string
	var diff int64
	if err := wh.QueryRow(context.Background(), q, nil, &localDay, &month, &utcMonth, &diff, &addDays, &lit, &wall); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	got := []any{localDay, month, utcMonth, diff, addDays, lit, wall}
	want := []any{"2024-02-01", "2024-02", "2024-01-01", int64(60), "2024-03-01", "it's", "2024-02-01 01:30:00"}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("helper %d = %v, want %v", k, got[k], want[k])
		}
	}
	if s := d.StarExcept("r", "_file", "_row"); s != `r.* EXCLUDE ("_file", "_row")` {
		t.Errorf("StarExcept = %s", s)
	}
	bq := bigQueryDialect{project: "p", dataset: "d"}
	if s := bq.StarExcept("", "_file"); s != "* EXCEPT (`_file`)" {
		t.Errorf("bigquery StarExcept = %s", s)
	}
	if s := bq.Table("orders"); s != "`p.d.orders`" {
		t.Errorf("bigquery Table = %s", s)
	}
	if s := bq.String(`a'b\c`); s != `'a\'b\\c'` {
		t.Errorf("bigquery String = %s", s)
	}
	if ok, err := TableExists(context.Background(), wh, "nope"); err != nil || ok {
		t.Errorf("TableExists(nope) = %v, %v", ok, err)
	}
	_ = math.Abs
}

// TestDecodeArrowPayload reads both shapes of Storage Read API payloads:
// BigQuery's bare IPC messages (schema once, then record batch messages) and
// the emulator's whole IPC streams.
func TestDecodeArrowPayload(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{4, 5, 6}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()
	var onlySchema, whole bytes.Buffer
	w := ipc.NewWriter(&onlySchema, ipc.WithSchema(schema))
	w.Close()
	w = ipc.NewWriter(&whole, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	const eos = 8 // continuation marker and zero length
	schemaMsg := onlySchema.Bytes()[:onlySchema.Len()-eos]
	batchMsg := whole.Bytes()[len(schemaMsg) : whole.Len()-eos]
	for name, c := range map[string][2][]byte{
		"bare messages (BigQuery)": {schemaMsg, batchMsg},
		"whole streams (emulator)": {whole.Bytes(), whole.Bytes()},
	} {
		recs, err := decodeArrowPayload(mem, c[0], c[1])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(recs) != 1 || recs[0].NumRows() != 3 || recs[0].Column(0).(*array.Int64).Value(2) != 6 {
			t.Errorf("%s: got %v", name, recs)
		}
		for _, r := range recs {
			r.Release()
		}
	}
}
