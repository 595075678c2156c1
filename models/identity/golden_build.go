package identity

import (
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// nonEmpty reports whether a string value has non-space content.
func nonEmpty(v string) bool {
	if v == "" {
		return false
	}
	if c, d := v[0], v[len(v)-1]; c > ' ' && c < utf8.RuneSelf && d > ' ' && d < utf8.RuneSelf {
		return true
	}
	return trimSpace(v) != ""
}

func trimmed(c *strCol, i int) (string, bool) {
	v, ok := c.get(i)
	if !ok {
		return "", false
	}
	v = trimSpace(v)
	return v, v != ""
}

// rowValue reads a string column of global row r, trimmed.
func (s *stitcher) rowValue(r int32, col func(*evidenceCols) *strCol) (string, bool) {
	b := s.batchOf(int(r))
	return trimmed(col(s.batches[b]), int(r)-s.batchStart[b])
}

// rowSource is the source of row r, or its channel when source is null.
func (s *stitcher) rowSource(r int32) (string, bool) {
	if v, ok := s.rowValue(r, func(e *evidenceCols) *strCol { return e.source }); ok {
		return v, true
	}
	return s.rowValue(r, func(e *evidenceCols) *strCol { return e.channel })
}

// buildCustomers writes the golden records of components [lo, hi), in
// component order (order of first appearance of the customer).
func (s *stitcher) buildCustomers(gst []gstate, gs []*golden, lo, hi int) arrow.RecordBatch {
	rb := array.NewRecordBuilder(s.mem, CustomersSchema)
	defer rb.Release()
	n := max(hi-lo, 0)
	rb.Reserve(n)
	str := make([]*array.StringBuilder, len(CustomersSchema.Fields()))
	for i, f := range CustomersSchema.Fields() {
		if f.Type.ID() == arrow.STRING {
			str[i] = rb.Field(i).(*array.StringBuilder)
			str[i].ReserveData(n * []int{9, 14, 12, 24, 12, 9, 12, 6, 12, 6, 12, 0, 0, 6, 0}[i])
		}
	}
	fsb := rb.Field(11).(*array.TimestampBuilder)
	lsb := rb.Field(12).(*array.TimestampBuilder)
	idb := rb.Field(14).(*array.Int64Builder)
	opt := func(b *array.StringBuilder, v string, ok bool) {
		if ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
	}
	var g *golden
	src := func(b *array.StringBuilder, p gpick) {
		switch {
		case p.row < 0:
			b.AppendNull()
		case p.src >= 0:
			b.Append(g.names[p.src])
		default:
			v, ok := s.rowSource(p.row)
			opt(b, v, ok)
		}
	}
	for c := lo; c < hi; c++ {
		st := &gst[c]
		g = gs[c%len(gs)]
		str[0].Append(s.custStr[c])
		if st.phone.row >= 0 {
			str[1].Append(s.keys[st.phoneID][1:])
		} else {
			str[1].AppendNull()
		}
		src(str[2], st.phone)
		if st.email.row >= 0 {
			str[3].Append(s.keys[st.emailID][1:])
		} else {
			str[3].AppendNull()
		}
		src(str[4], st.email)
		if st.name.row >= 0 {
			v, ok := s.rowValue(st.name.row, func(e *evidenceCols) *strCol { return e.name })
			opt(str[5], v, ok)
		} else {
			str[5].AppendNull()
		}
		src(str[6], st.name)
		if home := g.home(st, int32(c)); home != nil {
			str[7].Append(g.stores[home.store])
			src(str[8], gpick{row: home.lastRow, src: home.src})
		} else {
			str[7].AppendNull()
			str[8].AppendNull()
		}
		switch {
		case st.region.row < 0:
			str[9].AppendNull()
		case st.regionVal >= 0:
			str[9].Append(g.names[st.regionVal])
		default:
			v, ok := s.rowValue(st.region.row, func(e *evidenceCols) *strCol { return e.region })
			opt(str[9], v, ok)
		}
		src(str[10], st.region)
		appendTS(fsb, s.compMinTs[c])
		appendTS(lsb, st.last)
		switch p := st.first; {
		case p.row < 0:
			str[13].AppendNull()
		case p.src >= 0:
			str[13].Append(g.names[p.src])
		default:
			v, ok := s.rowValue(p.row, func(e *evidenceCols) *strCol { return e.channel })
			opt(str[13], v, ok)
		}
		idb.Append(int64(s.compSize[c]))
	}
	return rb.NewRecordBatch()
}
