// Package fileio opens a file for a decoder that reads through io.ReaderAt.
package fileio

import (
	"io"
	"os"
)

// Open opens the named file and decodes it with its size; the file is
// closed before Open returns, so decode must not keep r.
func Open[T any](name string, decode func(r io.ReaderAt, size int64) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(name)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return zero, err
	}
	return decode(f, st.Size())
}
