package offheap

import "unsafe"

// Slice returns a zeroed slice of n elements of a pointer-free type T
// (never a type holding pointers: the garbage collector does not scan
// it) outside the Go heap; FreeSlice gives it back.
func Slice[T any](n int) []T {
	if n == 0 {
		return nil
	}
	var z T
	b := mapBytes(n * int(unsafe.Sizeof(z)))
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}

// FreeSlice gives back a slice returned by Slice.
func FreeSlice[T any](s []T) {
	if cap(s) == 0 {
		return
	}
	var z T
	unmapBytes(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), cap(s)*int(unsafe.Sizeof(z))))
}
