package identity

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// stringArray builds a utf8 array of n values from get (false = null)
// writing the offsets, data and validity buffers directly, which is several
// times faster than a StringBuilder for millions of short values. maxBytes
// must bound the total length of the values.
func stringArray(mem memory.Allocator, n, maxBytes int, get func(i int) (string, bool)) arrow.Array {
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((n + 1) * arrow.Int32SizeBytes)
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(maxBytes)
	data := dataBuf.Bytes()
	validBuf := memory.NewResizableBuffer(mem)
	validBuf.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := validBuf.Bytes()
	clear(bits)
	pos, nulls := 0, 0
	for i := 0; i < n; i++ {
		offs[i] = int32(pos)
		if v, ok := get(i); ok {
			pos += copy(data[pos:], v)
			bitutil.SetBit(bits, i)
		} else {
			nulls++
		}
	}
	offs[n] = int32(pos)
	dataBuf.ResizeNoShrink(pos)
	bufs := []*memory.Buffer{validBuf, offBuf, dataBuf}
	if nulls == 0 {
		bufs[0] = nil
	}
	d := array.NewData(arrow.BinaryTypes.String, n, bufs, nil, nulls, 0)
	a := array.NewStringData(d)
	d.Release()
	offBuf.Release()
	dataBuf.Release()
	validBuf.Release()
	return a
}

// timestampArray builds a timestamp[us, UTC] array of n values (noTS =
// null).
func timestampArray(mem memory.Allocator, n int, get func(i int) int64) arrow.Array {
	valBuf := memory.NewResizableBuffer(mem)
	valBuf.Resize(n * arrow.Int64SizeBytes)
	vals := arrow.Int64Traits.CastFromBytes(valBuf.Bytes())
	validBuf := memory.NewResizableBuffer(mem)
	validBuf.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := validBuf.Bytes()
	clear(bits)
	nulls := 0
	for i := 0; i < n; i++ {
		if v := get(i); v != noTS {
			vals[i] = v
			bitutil.SetBit(bits, i)
		} else {
			vals[i] = 0
			nulls++
		}
	}
	bufs := []*memory.Buffer{validBuf, valBuf}
	if nulls == 0 {
		bufs[0] = nil
	}
	d := array.NewData(tsType, n, bufs, nil, nulls, 0)
	a := array.NewTimestampData(d)
	d.Release()
	valBuf.Release()
	validBuf.Release()
	return a
}

// int64Array builds a non-null int64 array of n values.
func int64Array(mem memory.Allocator, n int, get func(i int) int64) arrow.Array {
	valBuf := memory.NewResizableBuffer(mem)
	valBuf.Resize(n * arrow.Int64SizeBytes)
	vals := arrow.Int64Traits.CastFromBytes(valBuf.Bytes())
	for i := 0; i < n; i++ {
		vals[i] = get(i)
	}
	d := array.NewData(arrow.PrimitiveTypes.Int64, n, []*memory.Buffer{nil, valBuf}, nil, 0, 0)
	a := array.NewInt64Data(d)
	d.Release()
	valBuf.Release()
	return a
}
