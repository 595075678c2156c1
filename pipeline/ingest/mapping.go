// Package ingest turns export files into typed Arrow record batches of a
// canonical table, sends bad rows to quarantine with the reason, and loads
// each file into the warehouse atomically, recording it in the load manifest
// so the same content never loads twice.
package ingest

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/schema"
)

// Reason codes stored in quarantine.reason.
const (
	ReasonMissing      = "missing_required"
	ReasonBadDate      = "bad_date"
	ReasonBadNumber    = "bad_number"
	ReasonBadValue     = "bad_value"
	ReasonWrongColumns = "wrong_columns"
	ReasonMalformed    = "malformed"
	// ReasonBadEncoding is not a quarantine reason: a row with text that
	// is not valid UTF-8 after decoding rejects its whole file (the file
	// is in another encoding than the source's).
	ReasonBadEncoding = "bad_encoding"
)

// HeaderError is returned when a file's header lacks mapped columns.
type HeaderError struct {
	File    string
	Missing []string // file headers the mapping expects but the file lacks
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("file %q: header does not match the mapping: missing column(s) %s", e.File, strings.Join(e.Missing, ", "))
}

// Mapping binds a source's column mapping to one file's header.
type Mapping struct {
	table    *schema.Table
	src      *config.Source
	idx      []int    // per canonical field: header index, or -1
	consts   []string // per canonical field: constant value when idx is -1
	hasConst []bool
	header   []string
	layouts  []string
	loc      *time.Location
	enums    []map[string]string // accepted lower-cased value -> value stored

	file    string
	exprs   []*columnExpr // per canonical field: mapped as an expression
	derived []bool        // per canonical field: derived when unmapped (config.Derivable)
	returns *returnRules
	// Canonical field indices used by derivations and returns (-1 when the
	// table has no such field).
	fOrderID, fStatus, fQty, fPrice, fDisc, fPaid, fRefund, fOrig int
	// Timestamps must fall in [tsFrom, tsTo) (UTC micros) when hasRange.
	tsFrom, tsTo int64
	hasRange     bool
}

// SetTimeRange makes the builders quarantine as bad_date a row with a
// timestamp before from or at or after to (see config.Source.ValidFrom).
func (m *Mapping) SetTimeRange(from, to time.Time) {
	m.tsFrom, m.tsTo, m.hasRange = from.UnixMicro(), to.UnixMicro(), true
}

// Calendar dates (a store's opening, a campaign's planned end) are not
// events and may lie before valid_from or well after today; they are only
// held to these years, so that no date span reaching year 1 or 9999 gets
// through to the models.
var (
	minDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// NewMapping checks header against the source's mapping and returns the
// binding, or a *HeaderError naming the missing columns.
func NewMapping(src *config.Source, file string, header []string) (*Mapping, error) {
	tbl, ok := schema.Lookup(src.Table)
	if !ok {
		return nil, fmt.Errorf("unknown table %q", src.Table)
	}
	pos := make(map[string]int, len(header))
	for i, h := range header {
		if _, dup := pos[h]; !dup {
			pos[h] = i
		}
	}
	m := &Mapping{table: tbl, src: src, header: header, loc: src.Location, file: file}
	if tbl.Name == "order_lines" {
		m.returns = newReturnRules(src.Returns)
	}
	m.fOrderID, m.fStatus, m.fQty, m.fPrice, m.fDisc, m.fPaid, m.fRefund, m.fOrig = -1, -1, -1, -1, -1, -1, -1, -1
	for fi, f := range tbl.Fields {
		switch f.Name {
		case "order_id":
			m.fOrderID = fi
		case "status":
			m.fStatus = fi
		case "qty":
			m.fQty = fi
		case "unit_price":
			m.fPrice = fi
		case "discount":
			m.fDisc = fi
		case "paid_amount":
			m.fPaid = fi
		case "refund_amount":
			m.fRefund = fi
		case "original_order_id":
			m.fOrig = fi
		}
	}
	if m.loc == nil {
		m.loc = time.UTC
	}
	for _, l := range strings.Split(src.TimestampLayout, "|") {
		if l = strings.TrimSpace(l); l != "" {
			m.layouts = append(m.layouts, l)
		}
	}
	var missing []string
	for _, f := range tbl.Fields {
		i := -1
		var ex *columnExpr
		h, mapped := src.Columns[f.Name]
		if mapped {
			if j, ok := pos[h]; ok {
				i = j
			} else if isExpression(h) {
				e, err := compileColumnExpr(h, header, pos)
				if err != nil {
					missing = append(missing, fmt.Sprintf("%s (%v)", h, err))
				}
				ex = e
			} else {
				missing = append(missing, h)
			}
		}
		m.idx = append(m.idx, i)
		m.exprs = append(m.exprs, ex)
		c, ok := src.Constants[f.Name]
		m.derived = append(m.derived, !mapped && !ok && config.Derivable(tbl.Name, f.Name))
		m.consts = append(m.consts, c)
		m.hasConst = append(m.hasConst, ok)
		var en map[string]string
		if len(f.Enum) > 0 {
			en = map[string]string{}
			if f.Name == "identifier_type" {
				// identity.type_aliases: "mobile" loads as "phone"
				for a, e := range src.IdentifierTypeAliases {
					en[a] = e
				}
			}
			for _, e := range f.Enum {
				en[e] = e
			}
		}
		m.enums = append(m.enums, en)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, &HeaderError{File: file, Missing: missing}
	}
	return m, nil
}

func (m *Mapping) encoding() string {
	if m.src.Encoding == "" {
		return "utf-8"
	}
	return m.src.Encoding
}

// Table is the canonical table this mapping fills.
func (m *Mapping) Table() *schema.Table { return m.table }
