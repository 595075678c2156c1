//go:build !unix

package offheap

// mapBytes falls back to the Go heap where anonymous maps are not used.
func mapBytes(size int) []byte { return make([]byte, size) }

// unmapBytes leaves the memory to the garbage collector.
func unmapBytes([]byte) {}
