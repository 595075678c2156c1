//go:build unix

package offheap

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func pageRound(n int) int {
	page := os.Getpagesize()
	return (n + page - 1) / page * page
}

// mapBytes maps size bytes (whole pages; pages are committed when first
// written, so an overestimate costs address space only).
func mapBytes(size int) []byte {
	b, err := syscall.Mmap(-1, 0, pageRound(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(fmt.Sprintf("offheap: mmap %d bytes: %v", size, err))
	}
	return b[:size]
}

// unmapBytes unmaps the pages of b (from the start of a mapping).
func unmapBytes(b []byte) {
	if len(b) == 0 {
		return
	}
	_ = syscall.Munmap(unsafe.Slice(unsafe.SliceData(b), pageRound(len(b))))
}
