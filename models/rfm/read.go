package rfm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/crmkit/crmkit/models/orderscan"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

type customerID struct {
	id      string
	missing bool
}

// readCustomers returns the customer ids by index. The ids are copied into
// one string (the result must outlive the input batches) and sliced from it.
func readCustomers(recs []arrow.RecordBatch) ([]customerID, error) {
	var out []customerID
	type span struct{ off, end int }
	var spans []span
	var buf strings.Builder
	size := 0
	for _, rec := range recs {
		if col, err := column(rec, ColCustomerID); err == nil {
			if c, ok := col.(*array.String); ok {
				size += len(c.ValueBytes())
			}
		}
	}
	buf.Grow(size)
	for bi, rec := range recs {
		ixAt, err := intColumn(rec, ColCustomer)
		if err != nil {
			return nil, fmt.Errorf("customers batch %d: %w", bi, err)
		}
		col, err := column(rec, ColCustomerID)
		if err != nil {
			return nil, fmt.Errorf("customers batch %d: %w", bi, err)
		}
		var idAt func(int) string
		switch c := col.(type) {
		case *array.String:
			idAt = c.Value
		case *array.LargeString:
			idAt = c.Value
		default:
			return nil, fmt.Errorf("customers batch %d: column %q has type %s, want a string: %w", bi, ColCustomerID, col.DataType(), ErrBadColumn)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			ix, ok := ixAt(i)
			if !ok || ix < 0 {
				return nil, fmt.Errorf("customers batch %d row %d: null or negative customer_ix: %w", bi, i, ErrBadCustomer)
			}
			for int64(len(out)) <= ix {
				out = append(out, customerID{missing: true})
				spans = append(spans, span{})
			}
			if !out[ix].missing {
				return nil, fmt.Errorf("customer_ix %d appears twice in the customers input: %w", ix, ErrBadCustomer)
			}
			if col.IsNull(i) {
				return nil, fmt.Errorf("customers batch %d row %d: null customer_id: %w", bi, i, ErrBadCustomer)
			}
			out[ix].missing = false
			off := buf.Len()
			buf.WriteString(idAt(i))
			spans[ix] = span{off, buf.Len()}
		}
	}
	all := buf.String()
	for ix, sp := range spans {
		out[ix].id = all[sp.off:sp.end]
	}
	return out, nil
}

// column, intColumn and readOrders bind batch columns through orderscan,
// reporting a bad column as this package's ErrBadColumn too.
func column(rec arrow.RecordBatch, name string) (arrow.Array, error) {
	c, err := orderscan.Column(rec, name)
	return c, badColumn(err)
}

func intColumn(rec arrow.RecordBatch, name string) (func(int) (int64, bool), error) {
	f, err := orderscan.IntColumn(rec, name)
	return f, badColumn(err)
}

func badColumn(err error) error {
	if errors.Is(err, orderscan.ErrBadColumn) {
		return fmt.Errorf("%w: %w", ErrBadColumn, err)
	}
	return err
}

func readOrders(rec arrow.RecordBatch) (*orderscan.Batch, error) {
	ob, err := orderscan.Read(rec, ColCustomer, ColOrderTS, ColNetAmount)
	return ob, badColumn(err)
}
