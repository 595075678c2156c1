package generate

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// JD column names (Parquet). Types: strings except 购买数量 (int64) and the
// four amounts (float64). 下单时间 is a string "2006/01/02 15:04:05" in
// Asia/Shanghai time.
const (
	jdOrderID = "订单号"
	jdPin     = "客户账号"
	jdName    = "客户姓名"
	jdPhone   = "联系电话"
	jdTime    = "下单时间"
	jdStatus  = "订单状态"
	jdSKU     = "商品编号"
	jdTitle   = "商品名称"
	jdQty     = "购买数量"
	jdPrice   = "京东价"
	jdDisc    = "优惠金额"
	jdPaid    = "实付金额"
	jdRefund  = "退款金额"
	jdAddress = "客户地址"
)

var jdSchema = arrow.NewSchema([]arrow.Field{
	{Name: jdOrderID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdPin, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdName, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdPhone, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdTime, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdStatus, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdSKU, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdTitle, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdAddress, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: jdQty, Type: arrow.PrimitiveTypes.Int64},
	{Name: jdPrice, Type: arrow.PrimitiveTypes.Float64},
	{Name: jdDisc, Type: arrow.PrimitiveTypes.Float64},
	{Name: jdPaid, Type: arrow.PrimitiveTypes.Float64},
	{Name: jdRefund, Type: arrow.PrimitiveTypes.Float64},
}, nil)

const nJDStr = 9

// strCol is an Arrow-layout string column under construction.
type strCol struct {
	data  []byte
	offs  []int32
	nulls []int
}

func (c *strCol) n() int { return len(c.offs) }

func (c *strCol) add(b []byte) {
	c.data = append(c.data, b...)
	c.offs = append(c.offs, int32(len(c.data)))
}

func (c *strCol) addNull() {
	c.nulls = append(c.nulls, len(c.offs))
	c.offs = append(c.offs, int32(len(c.data)))
}

func (c *strCol) merge(o *strCol) {
	base := int32(len(c.data))
	n := len(c.offs)
	c.data = append(c.data, o.data...)
	for _, v := range o.offs {
		c.offs = append(c.offs, base+v)
	}
	for _, i := range o.nulls {
		c.nulls = append(c.nulls, n+i)
	}
}

func (c *strCol) reset() {
	c.data, c.offs, c.nulls = c.data[:0], c.offs[:0], c.nulls[:0]
}

func (c *strCol) array() arrow.Array {
	n := len(c.offs)
	offs := make([]int32, n+1)
	copy(offs[1:], c.offs)
	var valid *memory.Buffer
	if len(c.nulls) > 0 {
		bm := make([]byte, (n+7)/8)
		for i := range bm {
			bm[i] = 0xff
		}
		for _, i := range c.nulls {
			bm[i/8] &^= 1 << uint(i%8)
		}
		valid = memory.NewBufferBytes(bm)
	}
	data := make([]byte, len(c.data))
	copy(data, c.data)
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{valid,
		memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offs)), memory.NewBufferBytes(data)}, nil, len(c.nulls), 0)
	defer d.Release()
	return array.NewStringData(d)
}

// jdCols holds JD order lines in columnar form.
type jdCols struct {
	str                       [nJDStr]strCol
	qty                       []int64
	price, disc, paid, refund []float64
	addr                      []byte // scratch for the address
}

func (j *jdCols) rows() int { return len(j.qty) }

func (j *jdCols) merge(o *jdCols) {
	for i := range j.str {
		j.str[i].merge(&o.str[i])
	}
	j.qty = append(j.qty, o.qty...)
	j.price = append(j.price, o.price...)
	j.disc = append(j.disc, o.disc...)
	j.paid = append(j.paid, o.paid...)
	j.refund = append(j.refund, o.refund...)
}

func (j *jdCols) reset() {
	for i := range j.str {
		j.str[i].reset()
	}
	j.qty, j.price, j.disc, j.paid, j.refund = j.qty[:0], j.price[:0], j.disc[:0], j.paid[:0], j.refund[:0]
}

func (j *jdCols) record() arrow.RecordBatch {
	cols := make([]arrow.Array, 0, len(jdSchema.Fields()))
	for i := range j.str {
		cols = append(cols, j.str[i].array())
	}
	i64 := func(v []int64) arrow.Array {
		c := append([]int64(nil), v...)
		d := array.NewData(arrow.PrimitiveTypes.Int64, len(c), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(c))}, nil, 0, 0)
		defer d.Release()
		return array.NewInt64Data(d)
	}
	f64 := func(v []float64) arrow.Array {
		c := append([]float64(nil), v...)
		d := array.NewData(arrow.PrimitiveTypes.Float64, len(c), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(c))}, nil, 0, 0)
		defer d.Release()
		return array.NewFloat64Data(d)
	}
	cols = append(cols, i64(j.qty), f64(j.price), f64(j.disc), f64(j.paid), f64(j.refund))
	rec := array.NewRecordBatch(jdSchema, cols, int64(len(j.qty)))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// appendJD adds one JD order line (with an optional corruption).
func appendJD(j *jdCols, r *row, bad *badSpec, scratch []byte) []byte {
	if bad.is("order_id") {
		j.str[0].addNull()
	} else {
		j.str[0].add(r.orderID)
	}
	j.str[1].add([]byte(r.buyer))
	j.str[2].add([]byte(r.name))
	j.str[3].add(r.phone)
	if bad.is("order_ts") {
		j.str[4].add([]byte(bad.val))
	} else {
		scratch = appendTS(scratch[:0], r.ts, tsSlash)
		j.str[4].add(scratch)
	}
	j.str[5].add([]byte(r.status))
	if bad.is("sku") {
		j.str[6].addNull()
	} else {
		j.str[6].add([]byte(r.prod.SKU))
	}
	j.str[7].add([]byte(r.prod.Name))
	j.addr = appendAddress(j.addr[:0], r, "")
	j.str[8].add(j.addr)
	q := r.qty
	if bad.is("qty") {
		q = -q
	}
	j.qty = append(j.qty, q)
	j.price = append(j.price, float64(r.price)/100)
	j.disc = append(j.disc, float64(r.disc)/100)
	j.paid = append(j.paid, float64(r.paid)/100)
	j.refund = append(j.refund, float64(r.refund)/100)
	return scratch
}

// jdRowGroup is the number of rows per Parquet row group.
const jdRowGroup = 1 << 16

// pqSink writes one monthly JD Parquet file in row groups.
type pqSink struct {
	fw      *pqarrow.FileWriter
	closer  io.Closer
	pending jdCols
	rows    int
}

func newPQSink(w io.WriteCloser) (*pqSink, error) {
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(jdRowGroup),
		parquet.WithCreatedBy("crmkit generate"),
	)
	fw, err := pqarrow.NewFileWriter(jdSchema, w, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return nil, fmt.Errorf("parquet writer: %w", err)
	}
	return &pqSink{fw: fw, closer: w}, nil
}

func (s *pqSink) add(c *jdCols) error {
	s.pending.merge(c)
	s.rows += c.rows()
	if s.pending.rows() >= jdRowGroup {
		return s.flush()
	}
	return nil
}

func (s *pqSink) flush() error {
	if s.pending.rows() == 0 {
		return nil
	}
	rec := s.pending.record()
	defer rec.Release()
	s.pending.reset()
	return s.fw.Write(rec)
}

func (s *pqSink) close() error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.fw.Close() // closes the underlying writer too
}
