package config

import (
	"fmt"
	"strings"
)

// DelimiterWhitespace is the delimiter value for fields separated by runs
// of spaces and tabs.
const DelimiterWhitespace = "whitespace"

// SourceText holds how a source's files are laid out beyond the format:
// header presence, lines to skip, comment lines, and how returns are
// marked.
type SourceText struct {
	// Header is false for a text file without a header row: its columns
	// are then named by 1-based position ("1", "2", ...) in Columns.
	// Default true.
	Header *bool `yaml:"header"`
	// SkipRows lines are skipped at the start of a text file, before the
	// header (or the first record).
	SkipRows int `yaml:"skip_rows"`
	// Comment is the character that starts a comment line in a text file.
	Comment string `yaml:"comment"`
	// Returns says how an order-line export marks returns and
	// cancellations; nil means it has none (a negative quantity is then a
	// bad row).
	Returns *Returns `yaml:"returns"`
}

// Returns marks the order lines of a source that are returns: a line is a
// return when any configured rule matches. A return is loaded with a
// negative quantity, paid_amount 0 and refund_amount the returned amount
// (whatever signs the file gives them; a refund_amount column is not read
// on return lines), so it reduces net revenue, counts in the refund rate
// and never counts as a purchase.
//
// A return is tied to its original order when the export says which: the
// mapped field original_order_id, or with OriginalFromPrefix the return's
// own order id without OrderIDPrefix. Core then counts the return as a
// line of that order (its month, customer, channel, store): the refund
// reduces that order's net revenue. A return whose original is not
// loaded (or that names none) stays an order of its own, on its own date
// and customer, until the original is loaded; data health counts both
// kinds.
type Returns struct {
	// NegativeQty: a line with a negative quantity is a return.
	NegativeQty bool `yaml:"negative_qty"`
	// Status lists the status values (case-insensitive) of returns.
	Status []string `yaml:"status"`
	// OrderIDPrefix: an order id starting with it is a return (e.g. "C"
	// for the cancellation invoices of invoice-line exports).
	OrderIDPrefix string `yaml:"order_id_prefix"`
	// OriginalFromPrefix: a return whose order id starts with
	// OrderIDPrefix names its original order by that id without the
	// prefix (credit note "C536379" returns goods of order "536379").
	// Off by default: many exports number cancellations from the same
	// counter as orders, so the stripped id is another, unrelated order.
	OriginalFromPrefix bool `yaml:"original_from_prefix"`
}

// HasHeader reports whether the source's files start with a header row.
func (t SourceText) HasHeader() bool { return t.Header == nil || *t.Header }

// Derivable reports whether a required field of table may be left
// unmapped because ingest derives it. On order lines:
//   - order_id: each line is its own order, named after the file and row
//     ("<file>#<row>"), for purchase logs without order ids;
//   - paid_amount: qty × unit_price − discount (discount 0 when empty);
//   - unit_price: (paid_amount + discount) / qty, for logs that give only
//     a line total.
//
// paid_amount and unit_price cannot both be derived.
func Derivable(table, field string) bool {
	return table == "order_lines" && (field == "order_id" || field == "paid_amount" || field == "unit_price")
}

// given reports whether field is mapped or set as a constant.
func (s *Source) given(field string) bool {
	_, mapped := s.Columns[field]
	_, constant := s.Constants[field]
	return mapped || constant
}

// validateText checks the text-layout and returns settings of source s at
// YAML path p (key is its name in messages).
func (s *Source) validateText(v *validator, p, key string) {
	text := s.Format == "csv"
	if s.Delimiter == DelimiterWhitespace && !text {
		v.fail(p+".delimiter", key+".delimiter", "%q applies to csv (text) files only, not %s", DelimiterWhitespace, s.Format)
	}
	switch s.Compression {
	case "", "none":
	case "gzip":
		if !text && s.Format != "ndjson" {
			v.fail(p+".compression", key+".compression", "gzip applies to text files (csv, ndjson) only, not %s: xlsx and parquet files are compressed already", s.Format)
		}
	default:
		v.fail(p+".compression", key+".compression", "unknown compression %q (want gzip or none; empty reads files named .gz as gzip)", s.Compression)
	}
	if !s.HasHeader() && !text {
		v.fail(p+".header", key+".header", "false applies to csv (text) files only, not %s", s.Format)
	}
	if s.SkipRows < 0 {
		v.fail(p+".skip_rows", key+".skip_rows", "must not be negative, got %d", s.SkipRows)
	}
	if s.Comment != "" {
		if len([]rune(s.Comment)) != 1 {
			v.fail(p+".comment", key+".comment", "must be one character, got %q", s.Comment)
		} else if s.Comment == s.Delimiter || strings.ContainsAny(s.Comment, "\"\r\n") {
			v.fail(p+".comment", key+".comment", "%q cannot start a comment (it is the delimiter, a quote or a line end)", s.Comment)
		}
	}
	if s.Table == "order_lines" && !s.given("paid_amount") && !s.given("unit_price") {
		v.fail(p+".columns", key+".columns.paid_amount", "map paid_amount or unit_price: each is derived from the other, not both")
	}
	if s.Returns != nil {
		if s.Table != "order_lines" {
			v.fail(p+".returns", key+".returns", "applies to table order_lines only, not %s", s.Table)
		}
		r := s.Returns
		if !r.NegativeQty && len(r.Status) == 0 && r.OrderIDPrefix == "" {
			v.fail(p+".returns", key+".returns", "names no rule: set negative_qty, status or order_id_prefix")
		}
		if r.OriginalFromPrefix && r.OrderIDPrefix == "" {
			v.fail(p+".returns.original_from_prefix", key+".returns.original_from_prefix", "needs order_id_prefix: it strips that prefix from a return's order id")
		}
		for i, st := range r.Status {
			if strings.TrimSpace(st) == "" {
				v.fail(p+".returns.status", fmt.Sprintf("%s.returns.status[%d]", key, i), "must not be empty")
			}
		}
	}
}
