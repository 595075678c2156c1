package segment

import (
	"encoding/binary"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// Bitmap is a set of row numbers 0..Len()-1 of a record batch, one bit per
// row packed into uint64 words (bit i%64 of word i/64 is row i). Bits past
// Len() are always zero. The zero Bitmap is the empty set over zero rows.
type Bitmap struct {
	words []uint64
	n     int
}

// NewBitmap returns the empty set over n rows.
func NewBitmap(n int) Bitmap {
	return Bitmap{words: make([]uint64, (n+63)>>6), n: n}
}

// FullBitmap returns the set of all n rows.
func FullBitmap(n int) Bitmap {
	b := NewBitmap(n)
	for i := range b.words {
		b.words[i] = ^uint64(0)
	}
	b.clearTail()
	return b
}

// BitmapOf returns the set over n rows holding the given row numbers; rows
// outside 0..n-1 are ignored.
func BitmapOf(n int, rows ...int) Bitmap {
	b := NewBitmap(n)
	for _, r := range rows {
		if r >= 0 && r < n {
			b.words[r>>6] |= 1 << uint(r&63)
		}
	}
	return b
}

// Len is the number of rows the bitmap covers (selected or not).
func (b Bitmap) Len() int { return b.n }

// Count is the number of selected rows.
func (b Bitmap) Count() int {
	c := 0
	for _, w := range b.words {
		c += bits.OnesCount64(w)
	}
	return c
}

// Contains reports whether row i is selected.
func (b Bitmap) Contains(i int) bool {
	return i >= 0 && i < b.n && b.words[i>>6]&(1<<uint(i&63)) != 0
}

// Indices returns the selected row numbers in increasing order.
func (b Bitmap) Indices() []int {
	out := make([]int, 0, b.Count())
	for wi, w := range b.words {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			out = append(out, wi<<6+t)
			w &= w - 1
		}
	}
	return out
}

// And returns the rows selected in both b and o (intersection). Both must
// cover the same number of rows; otherwise And panics.
func (b Bitmap) And(o Bitmap) Bitmap {
	b.mustMatch(o)
	out := NewBitmap(b.n)
	for i := range out.words {
		out.words[i] = b.words[i] & o.words[i]
	}
	return out
}

// Or returns the rows selected in b or o (union). Both must cover the same
// number of rows; otherwise Or panics.
func (b Bitmap) Or(o Bitmap) Bitmap {
	b.mustMatch(o)
	out := NewBitmap(b.n)
	for i := range out.words {
		out.words[i] = b.words[i] | o.words[i]
	}
	return out
}

// AndNot returns the rows selected in b but not in o (difference). Both
// must cover the same number of rows; otherwise AndNot panics.
func (b Bitmap) AndNot(o Bitmap) Bitmap {
	b.mustMatch(o)
	out := NewBitmap(b.n)
	for i := range out.words {
		out.words[i] = b.words[i] &^ o.words[i]
	}
	return out
}

// Not returns the rows not selected in b (complement over Len() rows).
func (b Bitmap) Not() Bitmap {
	out := NewBitmap(b.n)
	for i := range out.words {
		out.words[i] = ^b.words[i]
	}
	out.clearTail()
	return out
}

// Bytes returns the bitmap in Arrow's layout: little-endian bytes, bit i%8
// of byte i/8 is row i, (Len()+7)/8 bytes.
func (b Bitmap) Bytes() []byte {
	buf := make([]byte, len(b.words)*8)
	for i, w := range b.words {
		binary.LittleEndian.PutUint64(buf[i*8:], w)
	}
	return buf[:(b.n+7)>>3]
}

func (b Bitmap) mustMatch(o Bitmap) {
	if b.n != o.n {
		panic("segment: bitmaps over different row counts")
	}
}

// clearTail zeroes the bits past n in the last word.
func (b Bitmap) clearTail() {
	if r := b.n & 63; r != 0 {
		b.words[len(b.words)-1] &= (1 << uint(r)) - 1
	}
}

// andInPlace, orInPlace and notInPlace combine into b's own words.
func (b Bitmap) andInPlace(o Bitmap) {
	for i := range b.words {
		b.words[i] &= o.words[i]
	}
}

func (b Bitmap) orInPlace(o Bitmap) {
	for i := range b.words {
		b.words[i] |= o.words[i]
	}
}

func (b Bitmap) notInPlace() {
	for i := range b.words {
		b.words[i] = ^b.words[i]
	}
	b.clearTail()
}

// arrowBits reads n bits starting at bit offset off of an Arrow bitmap
// (validity or boolean values) into words; buf nil means all set.
func arrowBits(buf []byte, off, n int, words []uint64) {
	if buf == nil {
		for i := range words {
			words[i] = ^uint64(0)
		}
		Bitmap{words: words, n: n}.clearTail()
		return
	}
	src := buf
	if off&7 != 0 {
		src = make([]byte, (n+7)>>3)
		bitutil.CopyBitmap(buf, off, n, src, 0)
	} else {
		src = buf[off>>3:]
	}
	nb := (n + 7) >> 3
	full := nb >> 3 // whole 8-byte words
	for i := 0; i < full; i++ {
		words[i] = binary.LittleEndian.Uint64(src[i*8:])
	}
	if full < len(words) {
		var w uint64
		for j := full * 8; j < nb; j++ {
			w |= uint64(src[j]) << uint((j-full*8)*8)
		}
		words[full] = w
	}
	Bitmap{words: words, n: n}.clearTail()
}
