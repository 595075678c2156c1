package segment

// Comparison and IN-list kernels over numeric Arrow columns, writing the
// result into a bitmap word by word.

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

type intValue interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32
}

type floatValue interface{ ~float32 | ~float64 }

// cmpNum sets bit i of words when N(vals[i]) op lit.
func cmpNum[T intValue | floatValue, N int64 | float64](vals []T, op cmpOp, lit N, words []uint64) {
	n := len(vals)
	for w := range words {
		lo := w << 6
		chunk := vals[lo:min(lo+64, n)]
		var m uint64
		switch op {
		case opEq:
			for j, v := range chunk {
				if N(v) == lit {
					m |= 1 << uint(j)
				}
			}
		case opNe:
			for j, v := range chunk {
				if N(v) != lit {
					m |= 1 << uint(j)
				}
			}
		case opLt:
			for j, v := range chunk {
				if N(v) < lit {
					m |= 1 << uint(j)
				}
			}
		case opLe:
			for j, v := range chunk {
				if N(v) <= lit {
					m |= 1 << uint(j)
				}
			}
		case opGt:
			for j, v := range chunk {
				if N(v) > lit {
					m |= 1 << uint(j)
				}
			}
		case opGe:
			for j, v := range chunk {
				if N(v) >= lit {
					m |= 1 << uint(j)
				}
			}
		}
		words[w] = m
	}
}

func intCmp(arr arrow.Array, op cmpOp, lit int64, words []uint64) error {
	switch a := arr.(type) {
	case *array.Int64:
		cmpNum(a.Int64Values(), op, lit, words)
	case *array.Int32:
		cmpNum(a.Int32Values(), op, lit, words)
	case *array.Int16:
		cmpNum(a.Int16Values(), op, lit, words)
	case *array.Int8:
		cmpNum(a.Int8Values(), op, lit, words)
	case *array.Uint32:
		cmpNum(a.Uint32Values(), op, lit, words)
	case *array.Uint16:
		cmpNum(a.Uint16Values(), op, lit, words)
	case *array.Uint8:
		cmpNum(a.Uint8Values(), op, lit, words)
	default:
		return fmt.Errorf("segment: unexpected integer array %T", arr)
	}
	return nil
}

func floatCmp(arr arrow.Array, op cmpOp, lit float64, words []uint64) error {
	switch a := arr.(type) {
	case *array.Float64:
		cmpNum(a.Float64Values(), op, lit, words)
	case *array.Float32:
		cmpNum(a.Float32Values(), op, lit, words)
	default:
		return fmt.Errorf("segment: unexpected float array %T", arr)
	}
	return nil
}

// inNum sets bit i of words when vals[i] is one of list (or in set, when
// set is not nil).
func inNum[T intValue | floatValue, N int64 | float64](vals []T, list []N, set map[N]struct{}, words []uint64) {
	n := len(vals)
	for w := range words {
		lo := w << 6
		var m uint64
		for j, v := range vals[lo:min(lo+64, n)] {
			x := N(v)
			if set != nil {
				if _, ok := set[x]; ok {
					m |= 1 << uint(j)
				}
				continue
			}
			for _, l := range list {
				if x == l {
					m |= 1 << uint(j)
					break
				}
			}
		}
		words[w] = m
	}
}

func intIn(arr arrow.Array, list []int64, set map[int64]struct{}, words []uint64) error {
	switch a := arr.(type) {
	case *array.Int64:
		inNum(a.Int64Values(), list, set, words)
	case *array.Int32:
		inNum(a.Int32Values(), list, set, words)
	case *array.Int16:
		inNum(a.Int16Values(), list, set, words)
	case *array.Int8:
		inNum(a.Int8Values(), list, set, words)
	case *array.Uint32:
		inNum(a.Uint32Values(), list, set, words)
	case *array.Uint16:
		inNum(a.Uint16Values(), list, set, words)
	case *array.Uint8:
		inNum(a.Uint8Values(), list, set, words)
	default:
		return fmt.Errorf("segment: unexpected integer array %T", arr)
	}
	return nil
}

func floatIn(arr arrow.Array, list []float64, words []uint64) error {
	switch a := arr.(type) {
	case *array.Float64:
		inNum(a.Float64Values(), list, nil, words)
	case *array.Float32:
		inNum(a.Float32Values(), list, nil, words)
	default:
		return fmt.Errorf("segment: unexpected float array %T", arr)
	}
	return nil
}
