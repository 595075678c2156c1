package offheap

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestArrowArrayOutsideHeap: an Arrow string array built with Allocator
// holds its values after a reallocation, and releasing it frees cleanly.
func TestArrowArrayOutsideHeap(t *testing.T) {
	b := array.NewStringBuilder(Allocator{})
	defer b.Release()
	for i := 0; i < 100000; i++ {
		if i%7 == 0 {
			b.AppendNull()
			continue
		}
		b.Append("value")
	}
	a := b.NewStringArray()
	if a.Len() != 100000 || a.NullN() != 14286 || a.Value(1) != "value" || a.Value(99999) != "value" {
		t.Fatalf("len %d nulls %d v1 %q", a.Len(), a.NullN(), a.Value(1))
	}
	a.Release()
}

// TestSlice: a slice outside the heap is zeroed and writable.
func TestSlice(t *testing.T) {
	s := Slice[int64](1 << 20)
	if len(s) != 1<<20 || s[12345] != 0 {
		t.Fatalf("len %d, s[12345] %d", len(s), s[12345])
	}
	s[len(s)-1] = 42
	if s[len(s)-1] != 42 {
		t.Fatal("write lost")
	}
	FreeSlice(s)
}
