// Package offheap allocates large, pointer-free buffers outside the Go
// heap: in anonymous memory maps on Unix, so that a freed buffer goes back
// to the system at once (Go heap memory waits for the scavenger, C heap
// memory often never comes back) and the buffers do not raise the garbage
// collector's goal. Elsewhere it falls back to the Go heap.
//
// It is meant for few, large buffers (Arrow columns of tens of thousands of
// rows, hash table slots): each allocation takes whole pages.
package offheap

import "github.com/apache/arrow-go/v18/arrow/memory"

// Allocator is a memory.Allocator whose buffers live outside the Go heap.
// The zero value is ready to use.
type Allocator struct{}

var _ memory.Allocator = Allocator{}

// Allocate returns size zeroed bytes.
func (Allocator) Allocate(size int) []byte {
	if size == 0 {
		return []byte{}
	}
	return mapBytes(size)
}

// Reallocate grows or shrinks b, copying it when it does not fit.
func (a Allocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free gives b (as returned by Allocate or Reallocate) back.
func (Allocator) Free(b []byte) {
	if cap(b) > 0 {
		unmapBytes(b[:cap(b)])
	}
}
