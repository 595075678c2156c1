package generate

import (
	"strconv"
)

// Monthly file families.
const (
	srcTmall = iota
	srcShopify
	srcJD
	srcPOS
	srcFollowers
	srcInteractions
	srcContacts
	srcTickets
	nSrc
)

type fileFormat int

const (
	fmtCSV fileFormat = iota
	fmtNDJSON
	fmtParquet
)

// Bad row kinds, as written to truth/bad_rows.csv.
const (
	bkDate = iota + 1
	bkNumber
	bkMissing
	bkNegQty
	bkWrongCols
)

var badKindNames = map[int]string{
	bkDate: "bad_date", bkNumber: "bad_number", bkMissing: "missing_required",
	bkNegQty: "negative_qty", bkWrongCols: "wrong_columns",
}

type badKindPlan struct {
	kind int
	cols []string // canonical columns to corrupt (chosen in turn)
	n    int
}

type source struct {
	dir, prefix, ext string
	format           fileFormat
	gbk              bool
	header           string
	tsStyle          int
	bad              []badKindPlan
}

var sources = [nSrc]source{
	srcTmall: {dir: "ecommerce/tmall", prefix: "orders_", ext: ".ndjson", format: fmtNDJSON, tsStyle: tsStd,
		bad: []badKindPlan{{bkDate, []string{"order_ts"}, 3}, {bkNumber, []string{"unit_price", "paid_amount"}, 3},
			{bkMissing, []string{"order_id", "sku"}, 3}, {bkNegQty, []string{"qty"}, 3}}},
	srcShopify: {dir: "ecommerce/shopify", prefix: "orders_", ext: ".csv", format: fmtCSV, tsStyle: tsShopify,
		header: "Name,Email,Financial Status,Created at,Currency,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Discount Amount,Total,Refunded Amount,Billing Name,Phone,Customer ID,Shipping Province,Shipping Province Name",
		bad: []badKindPlan{{bkDate, []string{"order_ts"}, 3}, {bkNumber, []string{"unit_price", "discount", "paid_amount"}, 3},
			{bkMissing, []string{"sku", "order_id"}, 3}, {bkNegQty, []string{"qty"}, 2}, {bkWrongCols, []string{""}, 3}}},
	srcJD: {dir: "ecommerce/jd", prefix: "orders_", ext: ".parquet", format: fmtParquet, tsStyle: tsSlash,
		bad: []badKindPlan{{bkDate, []string{"order_ts"}, 3}, {bkMissing, []string{"order_id", "sku"}, 3},
			{bkNegQty, []string{"qty"}, 3}}},
	srcPOS: {dir: "pos", prefix: "receipts_", ext: ".csv", format: fmtCSV, gbk: true, tsStyle: tsPOS,
		header: "小票号,门店编号,门店名称,会员卡号,手机号,导购编号,交易时间,商品编码,商品名称,数量,单价,折扣,实收金额",
		bad: []badKindPlan{{bkDate, []string{"order_ts"}, 3}, {bkNumber, []string{"paid_amount", "unit_price"}, 3},
			{bkMissing, []string{"order_id", "sku"}, 3}, {bkNegQty, []string{"qty"}, 3}, {bkWrongCols, []string{""}, 3}}},
	srcFollowers: {dir: "social", prefix: "followers_", ext: ".csv", format: fmtCSV, tsStyle: tsRFC3339,
		header: "platform,openid,unionid,phone,nickname,subscribe_time,unsubscribe_time",
		bad: []badKindPlan{{bkDate, []string{"followed_ts"}, 2}, {bkMissing, []string{"openid"}, 2},
			{bkWrongCols, []string{""}, 2}}},
	srcInteractions: {dir: "social", prefix: "interactions_", ext: ".csv", format: fmtCSV, tsStyle: tsRFC3339,
		header: "platform,openid,event_time,action,content_id,content_category",
		bad: []badKindPlan{{bkDate, []string{"ts"}, 2}, {bkMissing, []string{"openid"}, 2},
			{bkWrongCols, []string{""}, 2}}},
	srcContacts: {dir: "marketing", prefix: "campaign_contacts_", ext: ".csv", format: fmtCSV, tsStyle: tsStd,
		header: "campaign_id,id_type,identifier,group,contacted_at",
		bad: []badKindPlan{{bkDate, []string{"contacted_ts"}, 2}, {bkMissing, []string{"identifier"}, 2},
			{bkWrongCols, []string{""}, 1}}},
	srcTickets: {dir: "service", prefix: "tickets_", ext: ".csv", format: fmtCSV, tsStyle: tsStd,
		header: "ticket_id,id_type,identifier,opened_at,closed_at,category,csat",
		bad: []badKindPlan{{bkDate, []string{"opened_ts"}, 2}, {bkNumber, []string{"csat"}, 2},
			{bkMissing, []string{"ticket_id"}, 2}, {bkWrongCols, []string{""}, 2}}},
}

// Unparseable values per timestamp style (each fails every layout in
// example.yaml for that source).
var badDates = map[int][]string{
	tsStd:     {"0000-00-00 00:00:00", "2024-02-30 12:00:00", "2025-13-01 08:30:00"},
	tsShopify: {"2024-02-30 10:22:05 +0800", "not a date", "2025-13-01 08:30:00 +0800"},
	tsSlash:   {"0000/00/00 00:00:00", "2024/02/30 12:00:00", "2025/13/01 09:00:00"},
	tsPOS:     {"2024/2/30 12:00:00", "#VALUE!", "2025/13/1 9:00:00"},
	tsRFC3339: {"2024-02-30T10:00:00+08:00", "0000-00-00T00:00:00+08:00", "yesterday"},
}

var badNumbers = []string{"N/A", "--", "#VALUE!", "十二"}

// badSpec describes the corruption of one injected bad row.
type badSpec struct {
	kind  int
	col   string
	val   string // replacement text for bad_date / bad_number
	extra bool   // wrong_columns: one field too many (else one too few)
}

func (b *badSpec) is(col string) bool { return b != nil && b.col == col }

// row is the union of the fields of every monthly record kind.
type row struct {
	month int
	// order lines
	orderID    []byte
	buyer      string
	name       string
	phone      []byte
	email      []byte
	ts         int64
	status     string
	prod       *product
	qty        int64
	price      int64
	disc       int64
	paid       int64
	refund     int64
	store      *store
	card       string
	assoc      string
	customerID string
	// prov is the shipping province of an e-commerce order (nil for
	// receipts); addrNo numbers its street address.
	prov   *province
	addrNo uint64
	// social
	platform, openid, unionid, nickname string
	ts2                                 int64 // unfollowed / closed; 0 = empty
	action, category                    string
	contentID                           []byte
	// contacts and tickets
	campID, idType, group string
	identifier            []byte
	ticketID              []byte
	csat                  int
}

// format appends the text form of r for a CSV/NDJSON source.
func format(src int, dst []byte, r *row, bad *badSpec) []byte {
	start := len(dst)
	style := sources[src].tsStyle
	ts := func(dst []byte, col string, t int64) []byte {
		if bad.is(col) {
			return append(dst, bad.val...)
		}
		return appendTS(dst, t, style)
	}
	switch src {
	case srcTmall:
		dst = append(dst, `{"订单编号":`...)
		if bad.is("order_id") {
			dst = append(dst, `""`...)
		} else {
			dst = appendJSONString(dst, bstr(r.orderID))
		}
		dst = append(dst, `,"买家会员名":`...)
		dst = appendJSONString(dst, r.buyer)
		dst = append(dst, `,"收货人":`...)
		dst = appendJSONString(dst, r.name)
		dst = append(dst, `,"收货人手机":"`...)
		dst = append(dst, r.phone...)
		dst = append(dst, `","下单时间":"`...)
		dst = ts(dst, "order_ts", r.ts)
		dst = append(dst, `","订单状态":"`...)
		dst = append(dst, r.status...)
		dst = append(dst, `","商家编码":"`...)
		if !bad.is("sku") {
			dst = append(dst, r.prod.SKU...)
		}
		dst = append(dst, `","宝贝标题":`...)
		dst = appendJSONString(dst, r.prod.Name)
		dst = append(dst, `,"购买数量":`...)
		q := r.qty
		if bad.is("qty") {
			q = -q
		}
		dst = strconv.AppendInt(dst, q, 10)
		money := func(dst []byte, col string, v int64) []byte {
			if bad.is(col) {
				return appendJSONString(dst, bad.val)
			}
			return appendMoney(dst, v)
		}
		dst = append(dst, `,"单价":`...)
		dst = money(dst, "unit_price", r.price)
		dst = append(dst, `,"优惠":`...)
		dst = money(dst, "discount", r.disc)
		dst = append(dst, `,"实付金额":`...)
		dst = money(dst, "paid_amount", r.paid)
		dst = append(dst, `,"退款金额":`...)
		dst = money(dst, "refund_amount", r.refund)
		dst = append(dst, `,"收货地址":`...)
		dst = appendJSONString(dst, string(appendAddress(nil, r, " ")))
		return append(dst, "}\n"...)

	case srcShopify:
		if !bad.is("order_id") {
			dst = append(dst, r.orderID...)
		}
		dst = append(dst, ',')
		dst = appendCSV(dst, bstr(r.email))
		dst = append(dst, ',')
		dst = append(dst, r.status...)
		dst = append(dst, ',')
		dst = ts(dst, "order_ts", r.ts)
		dst = append(dst, ",CNY,"...)
		dst = appendQty(dst, r.qty, bad)
		dst = append(dst, ',')
		dst = appendCSV(dst, r.prod.Name)
		dst = append(dst, ',')
		dst = appendMoneyBad(dst, "unit_price", r.price, bad)
		dst = append(dst, ',')
		if !bad.is("sku") {
			dst = append(dst, r.prod.SKU...)
		}
		dst = append(dst, ',')
		dst = appendMoneyBad(dst, "discount", r.disc, bad)
		dst = append(dst, ',')
		dst = appendMoneyBad(dst, "paid_amount", r.paid, bad)
		dst = append(dst, ',')
		dst = appendMoneyBad(dst, "refund_amount", r.refund, bad)
		dst = append(dst, ',')
		dst = appendCSV(dst, r.name)
		dst = append(dst, ',')
		dst = appendCSV(dst, bstr(r.phone))
		dst = append(dst, ',')
		dst = append(dst, r.customerID...)
		if r.prov != nil {
			dst = append(dst, ',')
			dst = append(dst, r.prov.code...)
			dst = append(dst, ',')
			dst = append(dst, r.prov.pinyin...)
		} else {
			dst = append(dst, ",,"...)
		}

	case srcPOS:
		if !bad.is("order_id") {
			dst = append(dst, r.orderID...)
		}
		dst = append(dst, ',')
		dst = append(dst, r.store.ID...)
		dst = append(dst, ',')
		dst = append(dst, r.store.Name...)
		dst = append(dst, ',')
		dst = append(dst, r.card...)
		dst = append(dst, ',')
		dst = append(dst, r.phone...)
		dst = append(dst, ',')
		dst = append(dst, r.assoc...)
		dst = append(dst, ',')
		dst = ts(dst, "order_ts", r.ts)
		dst = append(dst, ',')
		if !bad.is("sku") {
			dst = append(dst, r.prod.SKU...)
		}
		dst = append(dst, ',')
		dst = appendCSV(dst, r.prod.Name)
		dst = append(dst, ',')
		dst = appendQty(dst, r.qty, bad)
		dst = append(dst, ',')
		dst = appendMoneyBad(dst, "unit_price", r.price, bad)
		dst = append(dst, ',')
		dst = appendMoneyBad(dst, "discount", r.disc, bad)
		dst = append(dst, ',')
		dst = appendMoneyBad(dst, "paid_amount", r.paid, bad)

	case srcFollowers:
		dst = append(dst, r.platform...)
		dst = append(dst, ',')
		if !bad.is("openid") {
			dst = append(dst, r.openid...)
		}
		dst = append(dst, ',')
		dst = append(dst, r.unionid...)
		dst = append(dst, ',')
		dst = appendCSV(dst, bstr(r.phone))
		dst = append(dst, ',')
		dst = appendCSV(dst, r.nickname)
		dst = append(dst, ',')
		dst = ts(dst, "followed_ts", r.ts)
		dst = append(dst, ',')
		if r.ts2 != 0 {
			dst = appendTS(dst, r.ts2, style)
		}

	case srcInteractions:
		dst = append(dst, r.platform...)
		dst = append(dst, ',')
		if !bad.is("openid") {
			dst = append(dst, r.openid...)
		}
		dst = append(dst, ',')
		dst = ts(dst, "ts", r.ts)
		dst = append(dst, ',')
		dst = append(dst, r.action...)
		dst = append(dst, ',')
		dst = append(dst, r.contentID...)
		dst = append(dst, ',')
		dst = append(dst, r.category...)

	case srcContacts:
		dst = append(dst, r.campID...)
		dst = append(dst, ',')
		dst = append(dst, r.idType...)
		dst = append(dst, ',')
		if !bad.is("identifier") {
			dst = appendCSV(dst, bstr(r.identifier))
		}
		dst = append(dst, ',')
		dst = append(dst, r.group...)
		dst = append(dst, ',')
		dst = ts(dst, "contacted_ts", r.ts)

	case srcTickets:
		if !bad.is("ticket_id") {
			dst = append(dst, r.ticketID...)
		}
		dst = append(dst, ',')
		dst = append(dst, r.idType...)
		dst = append(dst, ',')
		dst = appendCSV(dst, bstr(r.identifier))
		dst = append(dst, ',')
		dst = ts(dst, "opened_ts", r.ts)
		dst = append(dst, ',')
		if r.ts2 != 0 {
			dst = appendTS(dst, r.ts2, style)
		}
		dst = append(dst, ',')
		dst = append(dst, r.category...)
		dst = append(dst, ',')
		if bad.is("csat") {
			dst = append(dst, bad.val...)
		} else if r.csat > 0 {
			dst = strconv.AppendInt(dst, int64(r.csat), 10)
		}
	}
	if bad != nil && bad.kind == bkWrongCols {
		if bad.extra {
			dst = append(dst, ",备注"...)
		} else {
			// drop the last field (our last fields never contain commas)
			for i := len(dst) - 1; i > start; i-- {
				if dst[i] == ',' {
					dst = dst[:i]
					break
				}
			}
		}
	}
	return append(dst, '\n')
}

func appendQty(dst []byte, q int64, bad *badSpec) []byte {
	if bad.is("qty") {
		q = -q
	}
	return strconv.AppendInt(dst, q, 10)
}

func appendMoneyBad(dst []byte, col string, v int64, bad *badSpec) []byte {
	if bad.is(col) {
		return append(dst, bad.val...)
	}
	return appendMoney(dst, v)
}

// bstr views b as a string without copying; the result must not outlive
// the next change to b.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafeString(b)
}

// appendAddress appends the shipping address of an e-commerce order as the
// Chinese platforms write it: province, city, street; sep separates the
// parts (Tmall: a space, JD: none).
func appendAddress(dst []byte, r *row, sep string) []byte {
	if r.prov == nil {
		return dst
	}
	dst = append(dst, r.prov.full...)
	dst = append(dst, sep...)
	dst = append(dst, r.prov.city...)
	dst = append(dst, "市"...)
	dst = append(dst, sep...)
	dst = append(dst, "人民路"...)
	dst = strconv.AppendUint(dst, 1+r.addrNo%899, 10)
	return append(dst, "号"...)
}
