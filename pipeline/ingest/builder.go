package ingest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/source"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// A Builder turns the rows of a file, through its Mapping, into Arrow
// batches of the raw table: parsing, the field rules, derived fields; a
// row that fails becomes a Problem for the quarantine.

// Problem is why a row was quarantined.
type Problem struct {
	Column string // canonical field, or "" for whole-row problems
	Reason string // one of the Reason* codes
	Detail string
}

type cell struct {
	s    string
	i    int64
	f    float64
	null bool
}

// Builder accumulates valid rows of one file into Arrow record batches.
type Builder struct {
	m      *Mapping
	rb     *array.RecordBuilder
	loadID string
	cells  []cell
	n      int
	off    int // index of the first canonical field in the record
	// Typed field builders: the fixed columns, then per canonical field.
	// The load id and the channel are nil in a row builder.
	loadIDB, chanB *array.StringBuilder
	rowB           *array.Int64Builder
	strs           []*array.StringBuilder
	ints           []*array.Int64Builder
	floats         []*array.Float64Builder
	tss            []*array.TimestampBuilder
	dates          []*array.Date32Builder
	dataLen        []int // string bytes of the last batch per field, to reserve
}

// NewBuilder starts a batch builder for rows loaded under loadID: its
// batches have every column of the raw table (Table.LoadedSchema).
func (m *Mapping) NewBuilder(mem memory.Allocator, loadID string) *Builder {
	b := &Builder{m: m, rb: array.NewRecordBuilder(mem, m.table.LoadedSchema()), loadID: loadID}
	b.off = 2
	if m.table.HasChannel() {
		b.off = 3
		b.chanB = b.rb.Field(2).(*array.StringBuilder)
	}
	b.loadIDB = b.rb.Field(0).(*array.StringBuilder)
	b.rowB = b.rb.Field(1).(*array.Int64Builder)
	b.init()
	return b
}

// NewRowBuilder starts a batch builder whose batches leave out the columns
// that are the same on every row of a file (ConstColumns): _row and the
// canonical fields only (RowSchema). The loader fills the others.
func (m *Mapping) NewRowBuilder(mem memory.Allocator) *Builder {
	b := &Builder{m: m, rb: array.NewRecordBuilder(mem, RowSchema(m.table))}
	b.off = 1
	b.rowB = b.rb.Field(0).(*array.Int64Builder)
	b.init()
	return b
}

// init binds the canonical fields' builders.
func (b *Builder) init() {
	m := b.m
	b.cells = make([]cell, len(m.table.Fields))
	nf := len(m.table.Fields)
	b.strs = make([]*array.StringBuilder, nf)
	b.ints = make([]*array.Int64Builder, nf)
	b.floats = make([]*array.Float64Builder, nf)
	b.tss = make([]*array.TimestampBuilder, nf)
	b.dates = make([]*array.Date32Builder, nf)
	b.dataLen = make([]int, b.off+nf)
	for fi, f := range m.table.Fields {
		fb := b.rb.Field(b.off + fi)
		switch f.Type {
		case schema.String:
			b.strs[fi] = fb.(*array.StringBuilder)
		case schema.Int:
			b.ints[fi] = fb.(*array.Int64Builder)
		case schema.Float:
			b.floats[fi] = fb.(*array.Float64Builder)
		case schema.Timestamp:
			b.tss[fi] = fb.(*array.TimestampBuilder)
		case schema.Date:
			b.dates[fi] = fb.(*array.Date32Builder)
		}
	}
}

var rowSchemas sync.Map // *schema.Table -> *arrow.Schema

// RowSchema is the schema of a row builder's batches: Table.LoadedSchema
// without the columns that are constant per file (_load_id and, on order
// lines, the source's channel), i.e. _row and the canonical fields.
func RowSchema(t *schema.Table) *arrow.Schema {
	if s, ok := rowSchemas.Load(t); ok {
		return s.(*arrow.Schema)
	}
	all := t.LoadedSchema().Fields()
	off := 2 // _load_id, _row
	if t.HasChannel() {
		off = 3
	}
	fs := append([]arrow.Field{all[1]}, all[off:]...)
	s, _ := rowSchemas.LoadOrStore(t, arrow.NewSchema(fs, nil))
	return s.(*arrow.Schema)
}

// ConstColumns are the values of the columns a row builder leaves out for
// an INSERT of the rows of the files loaded under loadIDs: _load_id (one
// value per file, chosen per row by the INSERT's choice column when there
// are several), then channel for tables that have it.
func (m *Mapping) ConstColumns(loadIDs []string) []warehouse.ColumnValues {
	cols := []warehouse.ColumnValues{{Column: schema.ColLoadID, Values: loadIDs}}
	if m.table.HasChannel() {
		cols = append(cols, warehouse.ColumnValues{Column: schema.ColChannel, Values: []string{m.src.Channel}})
	}
	return cols
}

// Reserve makes room for n rows (string data sized after the last batch).
func (b *Builder) Reserve(n int) {
	b.rb.Reserve(n)
	for i, l := range b.dataLen {
		if l > 0 {
			if sb, ok := b.rb.Field(i).(*array.StringBuilder); ok {
				sb.ReserveData(l + l/8)
			}
		}
	}
}

// Len is the number of rows in the pending batch.
func (b *Builder) Len() int { return b.n }

// Add validates row and appends it, or returns the problem that sends it to
// quarantine (nothing is appended then).
func (b *Builder) Add(row *source.Row) *Problem {
	if row.Err != nil {
		reason := ReasonMalformed
		if errors.Is(row.Err, source.ErrWrongColumns) {
			reason = ReasonWrongColumns
		}
		return &Problem{Reason: reason, Detail: row.Err.Error()}
	}
	m := b.m
	ret := m.returns != nil && m.isReturn(row.Fields)
	derivePrice := false
	for fi, f := range m.table.Fields {
		var raw string
		switch {
		case m.idx[fi] >= 0:
			if i := m.idx[fi]; i < len(row.Fields) {
				raw = strings.TrimSpace(row.Fields[i])
			}
		case m.exprs[fi] != nil:
			v, err := m.exprs[fi].eval(row.Fields)
			if err != nil {
				return &Problem{Column: f.Name, Reason: ReasonBadNumber, Detail: fmt.Sprintf("%s: %v", f.Name, err)}
			}
			raw = strconv.FormatFloat(roundDerived(v), 'f', -1, 64)
		case m.hasConst[fi]:
			raw = m.consts[fi]
		case m.derived[fi] && fi == m.fPrice:
			// From paid_amount, which comes later: see below.
			b.cells[fi] = cell{}
			derivePrice = true
			continue
		case m.derived[fi]:
			raw = b.derive(fi, row.Num)
		}
		if fi == m.fOrig && m.fOrderID >= 0 {
			// Only a return names an original order (the order id, parsed
			// before it, is its own).
			raw = m.originalOrderID(ret, raw, b.cells[m.fOrderID].s)
		}
		if ret {
			switch fi {
			case m.fRefund:
				// Set from the returned amount below.
				raw = ""
			case m.fStatus:
				if raw == "" {
					raw = StatusReturned
				}
			}
		}
		c := &b.cells[fi]
		*c = cell{}
		if raw == "" {
			if f.Required {
				return &Problem{Column: f.Name, Reason: ReasonMissing, Detail: fmt.Sprintf("required field %s is empty", f.Name)}
			}
			c.null = true
			continue
		}
		switch f.Type {
		case schema.String:
			if !utf8.ValidString(raw) {
				return &Problem{Column: f.Name, Reason: ReasonBadEncoding, Detail: fmt.Sprintf("%s: %q is not valid %s text", f.Name, raw, m.encoding())}
			}
			if m.enums[fi] != nil {
				v, ok := m.enums[fi][strings.ToLower(raw)]
				if !ok {
					v, ok = m.enums[fi][strings.ToLower(strings.TrimSpace(raw))]
				}
				if !ok {
					return &Problem{Column: f.Name, Reason: ReasonBadValue, Detail: fmt.Sprintf("%q is not one of %s", raw, strings.Join(f.Enum, ", "))}
				}
				raw = v
			}
			c.s = raw
		case schema.Int:
			v, err := parseInt(raw)
			if err != nil {
				return &Problem{Column: f.Name, Reason: ReasonBadNumber, Detail: fmt.Sprintf("%s: cannot parse %q as an integer", f.Name, raw)}
			}
			neg := ret && fi == m.fQty
			if neg && v < 0 {
				v = -v
			}
			if p := checkRule(f, float64(v)); p != nil {
				return p
			}
			if neg {
				v = -v
			}
			c.i = v
		case schema.Float:
			v, err := parseFloat(raw)
			if err != nil {
				return &Problem{Column: f.Name, Reason: ReasonBadNumber, Detail: fmt.Sprintf("%s: cannot parse %q as a number", f.Name, raw)}
			}
			if ret && fi == m.fPaid {
				v = math.Abs(v)
			}
			if p := checkRule(f, v); p != nil {
				return p
			}
			c.f = v
		case schema.Timestamp:
			t, err := m.parseTime(raw)
			if err != nil {
				return &Problem{Column: f.Name, Reason: ReasonBadDate, Detail: fmt.Sprintf("%s: cannot parse %q with layout %q", f.Name, raw, m.src.TimestampLayout)}
			}
			c.i = t.UnixMicro()
			if m.hasRange && (c.i < m.tsFrom || c.i >= m.tsTo) {
				return &Problem{Column: f.Name, Reason: ReasonBadDate, Detail: fmt.Sprintf("%s: %q is outside the valid range %s to %s (valid_from, max_future)",
					f.Name, raw, time.UnixMicro(m.tsFrom).In(m.loc).Format(time.DateTime), time.UnixMicro(m.tsTo).In(m.loc).Format(time.DateTime))}
			}
		case schema.Date:
			t, err := parseDate(raw, m.src.DateLayout)
			if err != nil {
				return &Problem{Column: f.Name, Reason: ReasonBadDate, Detail: fmt.Sprintf("%s: cannot parse %q as a date with layout %q", f.Name, raw, m.src.DateLayout)}
			}
			if t.Before(minDate) || !t.Before(maxDate) {
				return &Problem{Column: f.Name, Reason: ReasonBadDate, Detail: fmt.Sprintf("%s: %q is outside the years %d to %d", f.Name, raw, minDate.Year(), maxDate.Year()-1)}
			}
			c.i = int64(t.Unix() / 86400)
		}
	}
	if derivePrice {
		q, p, d := b.cells[m.fQty], b.cells[m.fPaid], b.cells[m.fDisc]
		v := math.Abs(p.f)
		if !d.null {
			v += d.f
		}
		// qty is never 0 here (its rule), nor empty (required).
		b.cells[m.fPrice] = cell{f: roundDerived(v / math.Abs(float64(q.i)))}
		if pr := checkRule(m.table.Fields[m.fPrice], b.cells[m.fPrice].f); pr != nil {
			return pr
		}
	}
	if ret {
		// A return pays nothing and refunds its amount: net revenue
		// (paid − refunds) goes down by it and the refund rate counts it,
		// with no figure of its own to learn.
		b.cells[m.fRefund] = cell{f: b.cells[m.fPaid].f}
		b.cells[m.fPaid] = cell{}
	}
	b.append(row.Num)
	return nil
}

// StatusReturned is the status of a return line whose export gives none.
const StatusReturned = "returned"

// derive is the value of the unmapped derivable field fi of the current
// row (config.Derivable): order_id names the line's own order after the
// file and row; paid_amount is |qty| × unit_price − discount from the cells
// parsed before it (a return's sign is applied after).
func (b *Builder) derive(fi int, rowNum int64) string {
	m := b.m
	switch fi {
	case m.fOrderID:
		return derivedOrderID(m.file, rowNum)
	case m.fPaid:
		q, p := b.cells[m.fQty], b.cells[m.fPrice]
		if q.null || p.null {
			return ""
		}
		v := math.Abs(float64(q.i)) * p.f
		if d := b.cells[m.fDisc]; !d.null {
			v -= d.f
		}
		return strconv.FormatFloat(roundDerived(v), 'f', -1, 64)
	}
	return ""
}

func checkRule(f schema.Field, v float64) *Problem {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &Problem{Column: f.Name, Reason: ReasonBadNumber, Detail: fmt.Sprintf("%s: %v is not a finite number", f.Name, v)}
	}
	switch f.Rule {
	case schema.Positive:
		if v < 0 {
			return &Problem{Column: f.Name, Reason: "negative_" + f.Name, Detail: fmt.Sprintf("%s must be positive, got %v", f.Name, v)}
		}
		if v == 0 {
			return &Problem{Column: f.Name, Reason: "zero_" + f.Name, Detail: fmt.Sprintf("%s must be positive, got 0", f.Name)}
		}
	case schema.NonNegative:
		if v < 0 {
			return &Problem{Column: f.Name, Reason: "negative_" + f.Name, Detail: fmt.Sprintf("%s must not be negative, got %v", f.Name, v)}
		}
	}
	return nil
}

func (b *Builder) append(rowNum int64) {
	if b.loadIDB != nil {
		b.loadIDB.Append(b.loadID)
	}
	b.rowB.Append(rowNum)
	if b.chanB != nil {
		b.chanB.Append(b.m.src.Channel)
	}
	for fi, f := range b.m.table.Fields {
		c := &b.cells[fi]
		if c.null {
			b.rb.Field(b.off + fi).AppendNull()
			continue
		}
		switch f.Type {
		case schema.String:
			b.strs[fi].Append(c.s)
		case schema.Int:
			b.ints[fi].Append(c.i)
		case schema.Float:
			b.floats[fi].Append(c.f)
		case schema.Timestamp:
			b.tss[fi].Append(arrow.Timestamp(c.i))
		case schema.Date:
			b.dates[fi].Append(arrow.Date32(c.i))
		}
	}
	b.n++
}

// Flush returns the pending rows as a record batch (nil when empty).
func (b *Builder) Flush() arrow.RecordBatch {
	if b.n == 0 {
		return nil
	}
	b.n = 0
	for i := range b.dataLen {
		if sb, ok := b.rb.Field(i).(*array.StringBuilder); ok {
			b.dataLen[i] = sb.DataLen()
		}
	}
	return b.rb.NewRecordBatch()
}

// Release frees the builder.
func (b *Builder) Release() { b.rb.Release() }

func cleanNumber(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "¥￥$")
	if strings.ContainsRune(s, ',') {
		s = strings.ReplaceAll(s, ",", "")
	}
	return s
}

func parseInt(s string) (int64, error) {
	s = cleanNumber(s)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("not an integer")
	}
	return int64(f), nil
}

func parseFloat(s string) (float64, error) {
	return strconv.ParseFloat(cleanNumber(s), 64)
}

func (m *Mapping) parseTime(s string) (time.Time, error) {
	var err error
	for _, l := range m.layouts {
		var t time.Time
		t, err = time.ParseInLocation(l, s, m.loc)
		if err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

func parseDate(s, layout string) (time.Time, error) {
	if t, err := time.Parse(layout, s); err == nil {
		return t, nil
	}
	for _, l := range []string{"2006-01-02", "2006/01/02", "2006/1/2", "01-02-06", "20060102"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date")
}
