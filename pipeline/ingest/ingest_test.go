package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/xuri/excelize/v2"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/ingest"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func openWH(t *testing.T) *warehouse.DuckDB {
	t.Helper()
	wh, err := warehouse.OpenDuckDB(filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if err := ingest.EnsureTables(context.Background(), wh); err != nil {
		t.Fatal(err)
	}
	return wh
}

func shopifySource(path string) *config.Source {
	return &config.Source{Name: "shopify_orders", Table: "order_lines", Channel: "shopify", Path: path, Format: "csv", Encoding: "utf-8",
		TimestampLayout: "2006-01-02 15:04:05", DateLayout: "2006-01-02", Location: shanghai,
		Columns: map[string]string{"order_id": "Order", "email": "Email", "phone": "Phone", "order_ts": "Created at", "status": "Status",
			"sku": "SKU", "qty": "Qty", "unit_price": "Price", "discount": "Discount", "paid_amount": "Total", "refund_amount": "Refunded"}}
}

func tmallSource(path string) *config.Source {
	return &config.Source{Name: "tmall_orders", Table: "order_lines", Channel: "tmall", Path: path, Format: "ndjson", Encoding: "utf-8",
		TimestampLayout: "2006-01-02 15:04:05", Location: shanghai,
		Columns: map[string]string{"order_id": "订单编号", "buyer_id": "买家会员名", "phone": "收货人手机", "order_ts": "下单时间",
			"sku": "商家编码", "qty": "购买数量", "unit_price": "单价", "paid_amount": "实付金额"}}
}

func posSource(path string) *config.Source {
	return &config.Source{Name: "pos_receipts", Table: "order_lines", Channel: "pos", Path: path, Format: "csv", Encoding: "gbk",
		TimestampLayout: "2006/01/02 15:04:05", Location: shanghai,
		Columns: map[string]string{"order_id": "小票号", "store_id": "门店编号", "member_card": "会员卡号", "name": "会员姓名", "phone": "手机号",
			"associate_id": "导购编号", "order_ts": "交易时间", "sku": "商品编码", "qty": "数量", "unit_price": "单价", "discount": "折扣", "paid_amount": "实收金额"}}
}

func cfgFor(dir string, srcs ...*config.Source) *config.Config {
	c := &config.Config{BaseDir: dir}
	for _, s := range srcs {
		c.Sources = append(c.Sources, *s)
	}
	return c
}

type lineRow struct {
	order, email, phone, buyer, store, card, name string
	ts                                            time.Time
	qty                                           int64
	price, disc, paid, refund                     float64
}

func readLines(t *testing.T, wh *warehouse.DuckDB, where string) []lineRow {
	t.Helper()
	// In file order: a raw row's file is its load's (load_files).
	rows, err := wh.DB().Query(`SELECT order_id, coalesce(email,''), coalesce(phone,''), coalesce(buyer_id,''), coalesce(store_id,''), coalesce(member_card,''), coalesce(name,''),
		order_ts, qty, unit_price, coalesce(discount,0), paid_amount, coalesce(refund_amount,0) FROM raw_order_lines WHERE ` + where + `
		ORDER BY (SELECT min(f.file) FROM load_files f WHERE f.load_id = _load_id), _row`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []lineRow
	for rows.Next() {
		var r lineRow
		if err := rows.Scan(&r.order, &r.email, &r.phone, &r.buyer, &r.store, &r.card, &r.name, &r.ts, &r.qty, &r.price, &r.disc, &r.paid, &r.refund); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func mustCopy(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func ingestAll(t *testing.T, wh warehouse.Warehouse, cfg *config.Config) []*ingest.SourceResult {
	t.Helper()
	in := &ingest.Ingester{WH: wh, BaseDir: cfg.BaseDir, RunID: "test"}
	var out []*ingest.SourceResult
	for i := range cfg.Sources {
		r, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[i])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestCSVGoldenAndQuarantine(t *testing.T) {
	dir := t.TempDir()
	mustCopy(t, "testdata/orders.csv", filepath.Join(dir, "shop", "orders.csv"))
	wh := openWH(t)
	cfg := cfgFor(dir, shopifySource("shop/*.csv"))
	res := ingestAll(t, wh, cfg)[0]
	if res.RowsRead != 8 || res.RowsLoaded != 3 || res.RowsQuarantined != 5 {
		t.Fatalf("read/loaded/quarantined = %d/%d/%d, want 8/3/5", res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
	}
	got := readLines(t, wh, "true")
	want := []lineRow{
		{order: "S1001", email: "Alice@Example.com", phone: "+86 138 1234 5678", ts: time.Date(2025, 3, 4, 2, 22, 5, 0, time.UTC), qty: 2, price: 50, disc: 5, paid: 95},
		{order: "S1002", email: "bob@example.com", ts: time.Date(2025, 3, 5, 3, 0, 0, 0, time.UTC), qty: 1, price: 1200.5, paid: 1200.5, refund: 1200.5},
		{order: "S1008", email: "=1+1", phone: "13900006666", ts: time.Date(2025, 3, 7, 0, 0, 0, 0, time.UTC), qty: 3, price: 9.9, paid: 29.7},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		g.ts = g.ts.UTC()
		if g != want[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, g, want[i])
		}
	}
	type q struct {
		row            int64
		column, reason string
	}
	wantQ := []q{
		{4, "order_ts", "bad_date"},
		{5, "unit_price", "bad_number"},
		{6, "order_id", "missing_required"},
		{7, "qty", "negative_qty"},
		{8, "", "wrong_columns"},
	}
	rows, err := wh.DB().Query(`SELECT "row", coalesce("column",''), reason, detail, raw, file, source FROM quarantine ORDER BY "row"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var g q
		var detail, raw, file, src string
		if err := rows.Scan(&g.row, &g.column, &g.reason, &detail, &raw, &file, &src); err != nil {
			t.Fatal(err)
		}
		if i >= len(wantQ) || g != wantQ[i] {
			t.Errorf("quarantine %d = %+v, want %+v", i, g, wantQ[min(i, len(wantQ)-1)])
		}
		if file != "shop/orders.csv" || src != "shopify_orders" || raw == "" || detail == "" {
			t.Errorf("quarantine %d: file %q source %q raw %q detail %q", i, file, src, raw, detail)
		}
		i++
	}
	if i != len(wantQ) {
		t.Fatalf("quarantine rows = %d, want %d", i, len(wantQ))
	}
	// The manifest reconciles: rows read = loaded + quarantined.
	var read, loaded, quar int64
	if err := wh.DB().QueryRow(`SELECT rows_read, rows_loaded, rows_quarantined FROM load_files WHERE status='loaded'`).Scan(&read, &loaded, &quar); err != nil {
		t.Fatal(err)
	}
	if read != loaded+quar || read != 8 {
		t.Fatalf("manifest read %d loaded %d quarantined %d", read, loaded, quar)
	}
}

func TestNDJSONGolden(t *testing.T) {
	dir := t.TempDir()
	mustCopy(t, "testdata/tmall.ndjson", filepath.Join(dir, "t", "a.ndjson"))
	wh := openWH(t)
	res := ingestAll(t, wh, cfgFor(dir, tmallSource("t/*.ndjson")))[0]
	if res.RowsRead != 4 || res.RowsLoaded != 2 || res.RowsQuarantined != 2 {
		t.Fatalf("read/loaded/quarantined = %d/%d/%d, want 4/2/2", res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
	}
	got := readLines(t, wh, "true")
	if got[0].order != "T1" || got[0].buyer != "小明_88" || got[0].phone != "13812345678" || got[0].qty != 2 || got[0].paid != 100 ||
		!got[0].ts.Equal(time.Date(2025, 4, 1, 4, 0, 0, 0, time.UTC)) {
		t.Errorf("T1 = %+v", got[0])
	}
	if got[1].order != "T2" || got[1].phone != "" || got[1].qty != 1 || got[1].price != 88.5 {
		t.Errorf("T2 = %+v", got[1])
	}
	var reasons string
	if err := wh.DB().QueryRow(`SELECT string_agg("row" || ':' || reason, ',' ORDER BY "row") FROM quarantine`).Scan(&reasons); err != nil {
		t.Fatal(err)
	}
	if reasons != "4:bad_number,5:malformed" {
		t.Errorf("quarantine = %s", reasons)
	}
}

func TestGBKGolden(t *testing.T) {
	dir := t.TempDir()
	mustCopy(t, "testdata/pos_gbk.csv", filepath.Join(dir, "pos", "r.csv"))
	wh := openWH(t)
	res := ingestAll(t, wh, cfgFor(dir, posSource("pos/*.csv")))[0]
	if res.RowsRead != 3 || res.RowsLoaded != 2 || res.RowsQuarantined != 1 {
		t.Fatalf("read/loaded/quarantined = %d/%d/%d, want 3/2/1", res.RowsRead, res.RowsLoaded, res.RowsQuarantined)
	}
	got := readLines(t, wh, "true")
	if got[0].name != "张三" || got[0].store != "SH001" || got[0].card != "M0001" || got[0].disc != 20 || got[0].paid != 100 ||
		!got[0].ts.Equal(time.Date(2025, 5, 1, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("R001 = %+v", got[0])
	}
	if got[1].order != "R002" || got[1].card != "" || got[1].phone != "" || got[1].qty != 2 {
		t.Errorf("R002 = %+v", got[1])
	}
	var reason string
	if err := wh.DB().QueryRow(`SELECT reason FROM quarantine WHERE "row" = 4`).Scan(&reason); err != nil || reason != "zero_qty" {
		t.Errorf("R003 quarantine reason = %q, %v", reason, err)
	}
}

func TestXLSXAndParquet(t *testing.T) {
	dir := t.TempDir()
	// XLSX products master, written the way an ERP export is.
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "商品")
	rows := [][]any{{"商品编码", "商品名称", "品类", "品牌", "成本", "售价"}, {"SKU-1", "玫瑰精华水", "护肤", "花语", 40.5, 120}, {"SKU-2", "雪花秀套装", "护肤", "雪花秀", "n/a", 300}, {"SKU-3", "口红", "彩妆", "花语", 12, 99}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("商品", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "erp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(filepath.Join(dir, "erp", "products.xlsx")); err != nil {
		t.Fatal(err)
	}
	products := &config.Source{Name: "erp_products", Table: "products", Path: "erp/*.xlsx", Format: "xlsx", Sheet: "商品", Location: shanghai,
		Columns: map[string]string{"sku": "商品编码", "product_name": "商品名称", "category": "品类", "brand": "品牌", "unit_cost": "成本", "list_price": "售价"}}

	// Parquet orders with typed columns.
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "pin", Type: arrow.BinaryTypes.String}, {Name: "order_no", Type: arrow.BinaryTypes.String},
		{Name: "created", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "sku", Type: arrow.BinaryTypes.String}, {Name: "qty", Type: arrow.PrimitiveTypes.Int64}, {Name: "price", Type: arrow.PrimitiveTypes.Float64},
		{Name: "paid", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"jd_user1", "jd_user2"}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"J1", "J2"}, nil)
	ts1 := time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC).UnixMilli()
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(ts1), arrow.Timestamp(ts1 + 3600_000)}, nil)
	b.Field(3).(*array.StringBuilder).AppendValues([]string{"SKU-1", "SKU-2"}, nil)
	b.Field(4).(*array.Int64Builder).AppendValues([]int64{3, -1}, nil)
	b.Field(5).(*array.Float64Builder).AppendValues([]float64{40, 300}, nil)
	b.Field(6).(*array.Float64Builder).AppendValues([]float64{120, 300}, nil)
	rec := b.NewRecordBatch()
	pf, err := os.Create(filepath.Join(dir, "jd.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, pf, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	jd := &config.Source{Name: "jd_orders", Table: "order_lines", Channel: "jd", Path: "*.parquet", Format: "parquet", Location: shanghai,
		TimestampLayout: "2006-01-02T15:04:05Z07:00",
		Columns:         map[string]string{"buyer_id": "pin", "order_id": "order_no", "order_ts": "created", "sku": "sku", "qty": "qty", "unit_price": "price", "paid_amount": "paid"}}

	wh := openWH(t)
	res := ingestAll(t, wh, cfgFor(dir, products, jd))
	if r := res[0]; r.RowsRead != 3 || r.RowsLoaded != 2 || r.RowsQuarantined != 1 {
		t.Fatalf("xlsx read/loaded/quarantined = %d/%d/%d, want 3/2/1", r.RowsRead, r.RowsLoaded, r.RowsQuarantined)
	}
	var name, cat string
	var cost float64
	if err := wh.DB().QueryRow(`SELECT product_name, category, unit_cost FROM raw_products WHERE sku='SKU-1'`).Scan(&name, &cat, &cost); err != nil {
		t.Fatal(err)
	}
	if name != "玫瑰精华水" || cat != "护肤" || cost != 40.5 {
		t.Errorf("SKU-1 = %q %q %v", name, cat, cost)
	}
	var qrow int64
	var qcol string
	if err := wh.DB().QueryRow(`SELECT "row", "column" FROM quarantine WHERE source='erp_products'`).Scan(&qrow, &qcol); err != nil || qrow != 3 || qcol != "unit_cost" {
		t.Errorf("xlsx quarantine row %d column %q err %v, want row 3 unit_cost", qrow, qcol, err)
	}
	if r := res[1]; r.RowsRead != 2 || r.RowsLoaded != 1 || r.RowsQuarantined != 1 {
		t.Fatalf("parquet read/loaded/quarantined = %d/%d/%d, want 2/1/1", r.RowsRead, r.RowsLoaded, r.RowsQuarantined)
	}
	got := readLines(t, wh, "channel = 'jd'")
	if len(got) != 1 || got[0].buyer != "jd_user1" || got[0].qty != 3 || !got[0].ts.Equal(time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("jd rows = %+v", got)
	}
}

func TestRerunAndDuplicateFileLoadNothingTwice(t *testing.T) {
	dir := t.TempDir()
	mustCopy(t, "testdata/orders.csv", filepath.Join(dir, "shop", "orders.csv"))
	mustCopy(t, "testdata/orders.csv", filepath.Join(dir, "shop", "orders (1).csv"))
	wh := openWH(t)
	cfg := cfgFor(dir, shopifySource("shop/*.csv"))
	first := ingestAll(t, wh, cfg)[0]
	second := ingestAll(t, wh, cfg)[0]
	if first.RowsLoaded != 3 || second.RowsLoaded != 0 {
		t.Fatalf("loaded first %d second %d, want 3 then 0", first.RowsLoaded, second.RowsLoaded)
	}
	statuses := map[string]int{}
	for _, f := range first.Files {
		statuses[f.Status]++
	}
	if statuses[ingest.StatusDuplicate] != 1 || statuses[ingest.StatusLoaded] != 1 {
		t.Errorf("first run statuses %v, want one loaded and one duplicate", statuses)
	}
	for _, f := range second.Files {
		if f.Status != ingest.StatusSkipped && f.Status != ingest.StatusDuplicate {
			t.Errorf("second run: %s is %s", f.File, f.Status)
		}
	}
	n, _ := warehouse.Count(context.Background(), wh, "raw_order_lines")
	q, _ := warehouse.Count(context.Background(), wh, "quarantine")
	m, _ := warehouse.Count(context.Background(), wh, "load_files")
	if n != 3 || q != 5 || m != 2 {
		t.Fatalf("after two runs: %d rows, %d quarantined, %d manifest rows; want 3, 5, 2", n, q, m)
	}
}

func TestFailureHalfWayLeavesNothingThenLoadsWhole(t *testing.T) {
	dir := t.TempDir()
	mustCopy(t, "testdata/orders.csv", filepath.Join(dir, "shop", "orders.csv"))
	wh := openWH(t)
	cfg := cfgFor(dir, shopifySource("shop/*.csv"))
	boom := errors.New("injected failure")
	in := &ingest.Ingester{WH: wh, BaseDir: dir, BatchRows: 1, AfterBatch: func(file string, rows int64) error {
		if rows == 2 {
			return boom
		}
		return nil
	}}
	_, err := in.IngestSource(context.Background(), cfg, &cfg.Sources[0])
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	for _, tbl := range []string{"raw_order_lines", "quarantine", "load_files"} {
		if n, _ := warehouse.Count(context.Background(), wh, tbl); n != 0 {
			t.Errorf("%s has %d rows after a failed load, want 0", tbl, n)
		}
	}
	res := ingestAll(t, wh, cfg)[0]
	if res.RowsLoaded != 3 || res.RowsQuarantined != 5 {
		t.Fatalf("rerun loaded %d quarantined %d, want 3 and 5", res.RowsLoaded, res.RowsQuarantined)
	}
}

func TestHeaderMismatchRefusesOnlyThatFile(t *testing.T) {
	dir := t.TempDir()
	mustCopy(t, "testdata/orders.csv", filepath.Join(dir, "shop", "a.csv"))
	bad := "Order,Mail,Phone,Created,Status,SKU,Qty,Price,Discount,Total,Refunded\nS9,x@y.z,,2025-01-01 00:00:00,paid,SKU-1,1,1,0,1,0\n"
	if err := os.WriteFile(filepath.Join(dir, "shop", "b.csv"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	wh := openWH(t)
	res := ingestAll(t, wh, cfgFor(dir, shopifySource("shop/*.csv")))[0]
	if res.Rejected != 1 || res.RowsLoaded != 3 {
		t.Fatalf("rejected %d loaded %d, want 1 and 3", res.Rejected, res.RowsLoaded)
	}
	var rej ingest.FileResult
	for _, f := range res.Files {
		if f.Status == ingest.StatusRejected {
			rej = f
		}
	}
	msg := rej.Err.Error()
	for _, want := range []string{"shop/b.csv", "Created at", "Email"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if n, _ := warehouse.Int64(context.Background(), wh, `SELECT count(*) FROM raw_order_lines r JOIN load_files f ON f.load_id = r._load_id WHERE f.file = 'shop/b.csv'`); n != 0 {
		t.Errorf("%d rows of the refused file loaded", n)
	}
	var status, errText string
	if err := wh.DB().QueryRow(`SELECT status, error FROM load_files WHERE file = 'shop/b.csv'`).Scan(&status, &errText); err != nil || status != "rejected" || !strings.Contains(errText, "Created at") {
		t.Errorf("manifest for refused file: %q %q %v", status, errText, err)
	}
}
