// Package fileio opens a file for a decoder that reads through io.ReaderAt,
// and tells the files that are not models at all (Check): empty files, Git
// LFS pointers, HTML pages saved under a model's name.
package fileio

import (
	"io"
	"os"
)

// Open opens the named file and decodes it with its size; the file is
// closed before Open returns, so decode must not keep r. A file that Check
// finds is not a model (empty, a Git LFS pointer, an HTML page) is an
// error naming what it is, before decode sees it.
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
	head := make([]byte, min(st.Size(), HeadSize))
	n, _ := f.ReadAt(head, 0)
	if err := Check(name, head[:n], st.Size(), true); err != nil {
		return zero, err
	}
	return decode(f, st.Size())
}
