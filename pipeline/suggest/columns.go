package suggest

// Mapping a file's columns onto the canonical fields: header synonyms,
// positional columns of a file without a header, the order channel, and
// the returns rule.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/schema"
)

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
