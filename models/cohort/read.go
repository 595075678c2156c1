package cohort

// Reading the cohort inputs from Arrow batches: the customers present,
// their dimension values as small integer codes, and the orders.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/crmkit/crmkit/models/orderscan"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// customerSet is the customers input: dimensions and which indices exist.
type customerSet struct {
	dims []dimension
	have []bool
}

func (s *customerSet) present(ix int64) bool { return s.have[ix] }

func readCustomers(recs []arrow.RecordBatch, names []string) (*customerSet, int, error) {
	// First the indices, to size the arrays.
	n := 0
	ixCols := make([]func(int) (int64, bool), len(recs))
	for bi, rec := range recs {
		get, err := intColumn(rec, ColCustomer)
		if err != nil {
			return nil, 0, fmt.Errorf("customers batch %d: %w", bi, err)
		}
		ixCols[bi] = get
		for i := 0; i < int(rec.NumRows()); i++ {
			ix, ok := get(i)
			if !ok || ix < 0 {
				return nil, 0, fmt.Errorf("customers batch %d row %d: null or negative customer_ix: %w", bi, i, ErrBadCustomer)
			}
			if int(ix) >= n {
				n = int(ix) + 1
			}
		}
	}
	set := &customerSet{have: make([]bool, n)}
	for bi, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			ix, _ := ixCols[bi](i)
			if set.have[ix] {
				return nil, 0, fmt.Errorf("customer_ix %d appears twice in the customers input: %w", ix, ErrBadCustomer)
			}
			set.have[ix] = true
		}
	}
	// The dimensions are independent: read them in parallel.
	set.dims = make([]dimension, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for di, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			set.dims[di], errs[di] = readDimension(recs, ixCols, set.have, name, n)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	return set, n, nil
}

// readDimension reads one dimension column of the customers input.
func readDimension(recs []arrow.RecordBatch, ixCols []func(int) (int64, bool), have []bool, name string, n int) (dimension, error) {
	dm := dimension{name: name, codes: make([]int32, n)}
	lookup := map[string]int32{}
	// A small cache in front of the map: the values are few and repeat.
	type slot struct {
		s    string
		code int32
	}
	var cache [256]slot
	code := func(s string) int32 {
		if s == "" {
			s = Unknown
		}
		h := uint32(2166136261) // FNV-1a
		for j := 0; j < len(s); j++ {
			h = (h ^ uint32(s[j])) * 16777619
		}
		h = (h ^ h>>8 ^ h>>16) & 255
		if sl := &cache[h]; sl.s == s && sl.s != "" {
			return sl.code
		}
		c, ok := lookup[s]
		if !ok {
			s = strings.Clone(s) // may alias an Arrow buffer
			c = int32(len(dm.values))
			lookup[s] = c
			dm.values = append(dm.values, s)
		}
		cache[h] = slot{s, c} // the cache does not outlive the batches
		return c
	}
	for bi, rec := range recs {
		col, err := column(rec, name)
		if err != nil {
			return dm, fmt.Errorf("customers batch %d: %w", bi, err)
		}
		at, err := stringCodes(col, name, code)
		if err != nil {
			return dm, fmt.Errorf("customers batch %d: %w", bi, err)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			ix, _ := ixCols[bi](i)
			dm.codes[ix] = at(i)
		}
	}
	// Renumber the values in sorted order.
	sorted := slices.Clone(dm.values)
	slices.Sort(sorted)
	remap := make([]int32, len(dm.values))
	for newc, v := range sorted {
		remap[lookup[v]] = int32(newc)
	}
	for ix := range dm.codes {
		if have[ix] {
			dm.codes[ix] = remap[dm.codes[ix]]
		}
	}
	dm.values = sorted
	return dm, nil
}

// stringCodes returns the code of row i of a string or dictionary-encoded
// string column; code is called once per distinct dictionary entry or per
// row for plain strings (null → "").
func stringCodes(col arrow.Array, name string, code func(string) int32) (func(int) int32, error) {
	switch c := col.(type) {
	case *array.String:
		return func(i int) int32 {
			if c.IsNull(i) {
				return code("")
			}
			return code(c.Value(i))
		}, nil
	case *array.LargeString:
		return func(i int) int32 {
			if c.IsNull(i) {
				return code("")
			}
			return code(c.Value(i))
		}, nil
	case *array.Dictionary:
		dict := c.Dictionary()
		var dictCodes []int32
		switch dv := dict.(type) {
		case *array.String:
			dictCodes = make([]int32, dv.Len())
			for j := range dictCodes {
				if dv.IsNull(j) {
					dictCodes[j] = code("")
				} else {
					dictCodes[j] = code(dv.Value(j))
				}
			}
		case *array.LargeString:
			dictCodes = make([]int32, dv.Len())
			for j := range dictCodes {
				if dv.IsNull(j) {
					dictCodes[j] = code("")
				} else {
					dictCodes[j] = code(dv.Value(j))
				}
			}
		default:
			return nil, fmt.Errorf("column %q is a dictionary of %s, want strings: %w", name, dict.DataType(), ErrBadColumn)
		}
		nullCode := int32(-1)
		return func(i int) int32 {
			if c.IsNull(i) {
				if nullCode < 0 {
					nullCode = code("")
				}
				return nullCode
			}
			return dictCodes[c.GetValueIndex(i)]
		}, nil
	}
	return nil, fmt.Errorf("column %q has type %s, want a string: %w", name, col.DataType(), ErrBadColumn)
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

func readOrders(recs []arrow.RecordBatch) ([]*orderscan.Batch, error) {
	out := make([]*orderscan.Batch, 0, len(recs))
	for bi, rec := range recs {
		ob, err := orderscan.Read(rec, ColCustomer, ColOrderTS, ColNetAmount)
		if err != nil {
			return nil, fmt.Errorf("orders batch %d: %w", bi, badColumn(err))
		}
		out = append(out, ob)
	}
	return out, nil
}
