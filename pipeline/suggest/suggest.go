// Package suggest reads the start of an export file and proposes the
// config block that loads it: format, encoding, delimiter, header
// presence, timestamp layout, a mapping of recognised headers onto a
// canonical table's fields, and how returns are marked. Check runs the
// sampled rows through that block's mapping without writing anything.
package suggest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/schema"
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

// synonyms maps a normalised header (see norm) to a canonical field, per
// table. Chinese and English names of the common exports: Tmall/Taobao
// and JD order reports, Shopify order CSVs, store POS receipts, invoice-
// line exports.
var synonyms = map[string]map[string]string{
	"order_lines": {
		"订单编号": "order_id", "订单号": "order_id", "订单id": "order_id", "主订单编号": "order_id", "小票号": "order_id", "单据号": "order_id",
		"orderid": "order_id", "orderno": "order_id", "ordernumber": "order_id", "invoiceno": "order_id", "invoice": "order_id", "name": "order_id", "order": "order_id", "receiptid": "order_id",
		"买家会员名": "buyer_id", "买家昵称": "buyer_id", "买家id": "buyer_id", "用户id": "buyer_id", "会员id": "buyer_id",
		"customerid": "buyer_id", "buyerid": "buyer_id", "userid": "buyer_id", "pin": "buyer_id",
		"会员卡号": "member_card", "membercard": "member_card", "cardno": "member_card",
		"手机号": "phone", "收货人手机": "phone", "联系手机": "phone", "手机": "phone", "电话": "phone", "phone": "phone", "mobile": "phone", "billingphone": "phone",
		"邮箱": "email", "email": "email", "e-mail": "email",
		"会员姓名": "name", "收货人姓名": "name", "姓名": "name", "customername": "name", "billingname": "name",
		"门店编号": "store_id", "门店id": "store_id", "门店": "store_id", "storeid": "store_id", "store": "store_id", "location": "store_id",
		"导购编号": "associate_id", "导购": "associate_id", "associateid": "associate_id", "staffid": "associate_id",
		"下单时间": "order_ts", "订单创建时间": "order_ts", "交易时间": "order_ts", "付款时间": "order_ts", "创建时间": "order_ts",
		"createdat": "order_ts", "orderdate": "order_ts", "invoicedate": "order_ts", "orderts": "order_ts", "date": "order_ts", "transactiondate": "order_ts", "created": "order_ts",
		"订单状态": "status", "状态": "status", "financialstatus": "status", "status": "status",
		"商家编码": "sku", "商品编码": "sku", "货号": "sku", "sku": "sku", "stockcode": "sku", "lineitemsku": "sku", "productid": "sku", "itemid": "sku",
		"购买数量": "qty", "数量": "qty", "宝贝总数量": "qty", "quantity": "qty", "qty": "qty", "lineitemquantity": "qty",
		"单价": "unit_price", "商品价格": "unit_price", "价格": "unit_price", "unitprice": "unit_price", "price": "unit_price", "lineitemprice": "unit_price",
		"折扣": "discount", "优惠金额": "discount", "折扣金额": "discount", "discount": "discount", "lineitemdiscount": "discount",
		"实付金额": "paid_amount", "实收金额": "paid_amount", "买家实际支付金额": "paid_amount", "实付款": "paid_amount", "金额": "paid_amount",
		"total": "paid_amount", "linetotal": "paid_amount", "paidamount": "paid_amount", "amount": "paid_amount", "sales": "paid_amount",
		"退款金额": "refund_amount", "refunded": "refund_amount", "refundedamount": "refund_amount", "refund": "refund_amount", "refundamount": "refund_amount",
		"设备号": "device_id", "deviceid": "device_id",
		"原订单号": "original_order_id", "原订单编号": "original_order_id", "原始订单号": "original_order_id", "关联订单号": "original_order_id",
		"originalorderid": "original_order_id", "originalorder": "original_order_id", "originalinvoice": "original_order_id", "refundedorderid": "original_order_id",
	},
	"products": {
		"商品编码": "sku", "sku": "sku", "stockcode": "sku", "商品名称": "product_name", "productname": "product_name", "description": "product_name",
		"品类": "category", "类目": "category", "category": "category", "品牌": "brand", "brand": "brand",
		"成本": "unit_cost", "成本价": "unit_cost", "unitcost": "unit_cost", "cost": "unit_cost", "售价": "list_price", "吊牌价": "list_price", "listprice": "list_price",
	},
}

// norm folds a header for synonym lookup: lower case, without spaces,
// underscores, dashes and dots, and without a UTF-8 BOM.
func norm(h string) string {
	h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
	h = strings.ToLower(h)
	return strings.NewReplacer(" ", "", "_", "", "-", "", ".", "", "(", "", ")", "", "（", "", "）", "").Replace(h)
}

// timestampLayouts are tried in order on a timestamp column's sampled
// values; the first that parses them all is suggested.
var timestampLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04",
	"2006/01/02 15:04:05", "2006/1/2 15:04:05", "2006/1/2 15:04", "1/2/2006 15:04", "1/2/2006 15:04:05", "01/02/2006 15:04",
	"2/1/2006 15:04", "02.01.2006 15:04", "2006-01-02", "2006/01/02", "2006/1/2", "20060102", "1/2/2006",
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

func (sg *Suggestion) column(i int) []string {
	out := make([]string, 0, len(sg.Rows))
	for _, r := range sg.Rows {
		if i < len(r) {
			out = append(out, r[i])
		}
	}
	return out
}

// mapColumns picks the table, maps headers by synonym (the first column
// of each field wins), decides derived fields, the timestamp layout, the
// channel and the returns rule.
func (sg *Suggestion) mapColumns() {
	src := &sg.Source
	best, bestN := "order_lines", -1
	for _, t := range []string{"order_lines", "products"} {
		n := 0
		for _, h := range sg.Header {
			if _, ok := synonyms[t][norm(h)]; ok {
				n++
			}
		}
		if n > bestN {
			best, bestN = t, n
		}
	}
	src.Table = best
	src.Columns = map[string]string{}
	idx := map[string]int{}
	for i, h := range sg.Header {
		f, ok := synonyms[best][norm(h)]
		if _, taken := src.Columns[f]; !ok || taken {
			sg.Unmapped = append(sg.Unmapped, h)
			continue
		}
		src.Columns[f] = h
		idx[f] = i
	}
	if !src.HasHeader() {
		sg.positional(idx)
	}
	tbl, _ := schema.Lookup(best)
	for _, f := range tbl.Fields {
		if f.Type != schema.Timestamp {
			continue
		}
		if i, ok := idx[f.Name]; ok {
			if l := layoutOf(sg.column(i)); l != "" {
				src.TimestampLayout = l
			} else {
				sg.Notes = append(sg.Notes, fmt.Sprintf("no known layout parses every value of %q: set timestamp_layout", sg.Header[i]))
			}
		}
	}
	if src.Format == "parquet" {
		src.TimestampLayout = time.RFC3339Nano
	}
	if best != "order_lines" {
		return
	}
	src.Channel = sg.channel()
	// An amount column that is empty on some lines is an order total
	// repeated on the first line only: derive the line amount instead.
	if i, ok := idx["paid_amount"]; ok {
		empty := 0
		for _, v := range sg.column(i) {
			if strings.TrimSpace(v) == "" {
				empty++
			}
		}
		_, q := idx["qty"]
		_, p := idx["unit_price"]
		if empty > 0 && q && p {
			sg.Notes = append(sg.Notes, fmt.Sprintf("%q is empty on %d of %d sampled lines (an order total?): paid_amount is derived as qty × unit_price − discount", sg.Header[i], empty, len(sg.Rows)))
			delete(src.Columns, "paid_amount")
			sg.Unmapped = append(sg.Unmapped, sg.Header[i])
		}
	}
	if _, ok := src.Columns["paid_amount"]; !ok {
		if _, ok := src.Columns["unit_price"]; ok && !strings.Contains(strings.Join(sg.Notes, "\n"), "paid_amount is derived") {
			sg.Notes = append(sg.Notes, "paid_amount is not in the file: derived as qty × unit_price − discount")
		}
	}
	if _, ok := src.Columns["order_id"]; !ok {
		sg.Notes = append(sg.Notes, "no order id column: each line is its own order, named <file>#<row>")
	}
	sg.returns(idx)
	sort.Strings(sg.Unmapped)
}

// positional maps a headerless file: a column of yyyymmdd or date-like
// values is order_ts, the numeric columns after it are qty (integers) and
// paid_amount (decimals), and the last text-or-integer column before it
// is the buyer.
func (sg *Suggestion) positional(idx map[string]int) {
	src := &sg.Source
	ts := -1
	for i := range sg.Header {
		if layoutOf(sg.column(i)) != "" {
			ts = i
			break
		}
	}
	if ts < 0 {
		sg.Notes = append(sg.Notes, "no header and no date column: map the columns by position (\"1\", \"2\", ...)")
		return
	}
	src.Columns["order_ts"] = sg.Header[ts]
	idx["order_ts"] = ts
	if ts > 0 {
		src.Columns["buyer_id"] = sg.Header[ts-1]
		idx["buyer_id"] = ts - 1
	}
	for i := ts + 1; i < len(sg.Header); i++ {
		vals := sg.column(i)
		allInt, allNum := true, true
		for _, v := range vals {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				allInt = false
			}
			if !isNumber(v) {
				allNum = false
			}
		}
		switch {
		case allInt && idx["qty"] == 0 && src.Columns["qty"] == "":
			src.Columns["qty"] = sg.Header[i]
			idx["qty"] = i
		case allNum && src.Columns["paid_amount"] == "":
			src.Columns["paid_amount"] = sg.Header[i]
			idx["paid_amount"] = i
		}
	}
	var un []string
	mapped := map[string]bool{}
	for _, h := range src.Columns {
		mapped[h] = true
	}
	for _, h := range sg.Header {
		if !mapped[h] {
			un = append(un, h)
		}
	}
	sg.Unmapped = un
	if src.Constants == nil {
		src.Constants = map[string]string{}
	}
	src.Constants["sku"] = "unknown"
	sg.Notes = append(sg.Notes, "no header: columns mapped by position from their values; sku set to a constant")
}

// channel guesses the exporting system from its headers.
func (sg *Suggestion) channel() string {
	has := map[string]bool{}
	for _, h := range sg.Header {
		has[norm(h)] = true
	}
	switch {
	case has["买家会员名"] || has["宝贝标题"] || has["主订单编号"]:
		return "tmall"
	case has["financialstatus"] || has["lineitemquantity"]:
		return "shopify"
	case has["小票号"] || has["门店编号"] || has["receiptid"]:
		return "pos"
	}
	return "online"
}

// returns proposes a returns rule from the sample: lines with a negative
// quantity are returns; when all of them have an order id starting with
// the same letter that no other line's id starts with, that prefix too.
func (sg *Suggestion) returns(idx map[string]int) {
	qi, ok := idx["qty"]
	if !ok {
		return
	}
	oi, hasID := idx["order_id"]
	neg := 0
	prefixes := map[string]int{}
	others := map[string]bool{}
	for _, r := range sg.Rows {
		if qi >= len(r) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(r[qi]), 64)
		p := ""
		if hasID && oi < len(r) {
			if id := strings.TrimSpace(r[oi]); id != "" {
				first, _ := utf8.DecodeRuneInString(id)
				if first >= 'A' && first <= 'Z' {
					p = string(first)
				}
			}
		}
		if err == nil && v < 0 {
			neg++
			prefixes[p]++
		} else {
			others[p] = true
		}
	}
	if neg == 0 {
		return
	}
	rt := &config.Returns{NegativeQty: true}
	if len(prefixes) == 1 {
		for p := range prefixes {
			if p != "" && !others[p] {
				rt.OrderIDPrefix = p
			}
		}
	}
	sg.Source.Returns = rt
	sg.Notes = append(sg.Notes, fmt.Sprintf("negative quantities on %d of %d sampled lines: loaded as returns", neg, len(sg.Rows)))
	if _, mapped := idx["original_order_id"]; rt.OrderIDPrefix != "" && !mapped {
		sg.originalFromPrefix(oi, rt)
	}
}

// originalFromPrefix proposes original_from_prefix when every sampled
// return's id without the prefix is an order id of the sample's other
// lines (the export numbers a cancellation after the order it cancels).
// Exports that number cancellations from the invoices' own counter give
// ids that are no other line's, and get no proposal.
func (sg *Suggestion) originalFromPrefix(oi int, rt *config.Returns) {
	ids := map[string]bool{}
	var stripped []string
	for _, r := range sg.Rows {
		if oi >= len(r) {
			continue
		}
		id := strings.TrimSpace(r[oi])
		if rest, ok := strings.CutPrefix(id, rt.OrderIDPrefix); ok {
			stripped = append(stripped, rest)
		} else {
			ids[id] = true
		}
	}
	for _, id := range stripped {
		if !ids[id] {
			return
		}
	}
	if len(stripped) > 0 {
		rt.OriginalFromPrefix = true
		sg.Notes = append(sg.Notes, fmt.Sprintf("each of the %d sampled %s… returns has the id of a sampled order after the %s: tied to that order (original_from_prefix)",
			len(stripped), rt.OrderIDPrefix, rt.OrderIDPrefix))
	}
}
