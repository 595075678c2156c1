package source

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// Compression values of Options.Compression (config key compression).
const (
	// CompressionGzip reads the file through gzip whatever its name.
	CompressionGzip = "gzip"
	// CompressionNone reads the file as it is, even when named .gz.
	CompressionNone = "none"
)

// Gzipped reports whether a text file at path is read through gzip with
// compression (Options.Compression): always for gzip, never for none, and
// when empty, when the file name ends in .gz (any case).
func Gzipped(path, compression string) bool {
	switch compression {
	case CompressionGzip:
		return true
	case CompressionNone:
		return false
	}
	return strings.HasSuffix(strings.ToLower(path), ".gz")
}

// OpenFile opens a text file (CSV, whitespace-separated, NDJSON) for
// reading, decompressed when Gzipped says so (the text readers and the
// source suggester's sniffing read files through it). Concatenated gzip members are
// read one after the other, as gzip -d does. A damaged stream shows as an
// error from a later Read, which the readers return from Next: ingest then
// rejects the file as a whole (loads are atomic per file).
func OpenFile(path string, opts Options) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if !Gzipped(path, opts.Compression) {
		return f, nil
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read gzip header of %s: %w", path, err)
	}
	return gzipFile{Reader: z, f: f}, nil
}

// gzipFile closes the gzip reader and the file under it.
type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzipFile) Close() error {
	zerr := g.Reader.Close()
	if err := g.f.Close(); err != nil {
		return err
	}
	return zerr
}
