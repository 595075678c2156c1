package identity

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// MmapAllocator is a memory.Allocator for large Arrow buffers backed by
// anonymous memory maps: a freed buffer goes back to the system at once
// (Go heap memory waits for the scavenger, C heap memory often never comes
// back) and is not counted in the Go heap, so it does not raise the
// garbage collector's goal. Pages are only committed when written, so an
// overestimated buffer costs no memory. Each allocation takes whole pages:
// meant for few, large buffers.
type MmapAllocator struct{}

func pageRound(n int) int {
	page := os.Getpagesize()
	return (n + page - 1) / page * page
}

func mmapBytes(size int) []byte {
	b, err := syscall.Mmap(-1, 0, pageRound(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(fmt.Sprintf("identity: mmap %d bytes: %v", size, err))
	}
	return b[:size]
}

// Allocate returns size zeroed bytes.
func (MmapAllocator) Allocate(size int) []byte {
	if size == 0 {
		return []byte{}
	}
	return mmapBytes(size)
}

// Reallocate grows or shrinks b, copying it when it does not fit.
func (a MmapAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free unmaps b (as returned by Allocate or Reallocate).
func (MmapAllocator) Free(b []byte) {
	if cap(b) > 0 {
		_ = syscall.Munmap(b[:cap(b)])
	}
}

// mapSlice returns a zeroed slice of n elements of a pointer-free type in
// its own memory map; unmapSlice gives it back. The garbage collector
// neither scans nor counts it.
func mapSlice[T any](n int) []T {
	if n == 0 {
		return nil
	}
	var z T
	b := mmapBytes(n * int(unsafe.Sizeof(z)))
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}

func unmapSlice[T any](s []T) {
	if cap(s) == 0 {
		return
	}
	var z T
	n := pageRound(cap(s) * int(unsafe.Sizeof(z)))
	_ = syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), n))
}
