package pbwire

import (
	"errors"
	"fmt"
	"io"
)

// DefaultWindow is the size of the read buffer used when the input is not
// in memory. Payloads are skipped, so it only ever holds message headers,
// names and small values.
const DefaultWindow = 64 << 10

// ErrShort reports that the input ended before its declared size.
var ErrShort = errors.New("input shorter than its declared size")

// Source gives bounded views of the input: slices of the whole input when
// it is in memory (a mapped file), otherwise of a window buffer refilled
// with ReadAt.
type Source struct {
	r    io.ReaderAt
	size int64
	data []byte // the whole input, when in memory; buf is unused then
	buf  []byte // window buffer
	boff int64  // file offset of buf[0]
	blen int    // valid bytes in buf
}

// NewSource reads the size bytes of r. When mem, the input's bytes
// already in memory, holds at least size bytes, views are slices of it;
// otherwise r is read through a window of window bytes (DefaultWindow when
// ≤ 0), never more than size.
func NewSource(r io.ReaderAt, size int64, mem []byte, window int) *Source {
	s := &Source{r: r, size: size}
	if mem != nil && int64(len(mem)) >= size {
		s.data = mem[:size:size]
		return s
	}
	if window <= 0 {
		window = DefaultWindow
	}
	if int64(window) > size {
		window = int(max(size, 16))
	}
	s.buf = make([]byte, window)
	return s
}

// Size is the input's size in bytes.
func (s *Source) Size() int64 { return s.size }

// fits reports whether n bytes can be viewed at once: always when the
// input is in memory, else when they fit the window.
func (s *Source) fits(n int64) bool { return s.data != nil || n <= int64(len(s.buf)) }

// View returns the n bytes at off; n must fit the window when the input is
// not in memory. The slice is valid until the next call.
func (s *Source) View(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > s.size {
		return nil, ErrShort
	}
	if s.data != nil {
		return s.data[off : off+int64(n) : off+int64(n)], nil
	}
	if off >= s.boff && off+int64(n) <= s.boff+int64(s.blen) {
		i := int(off - s.boff)
		return s.buf[i : i+n : i+n], nil
	}
	if n > len(s.buf) {
		return nil, fmt.Errorf("internal: view of %d bytes exceeds window", n)
	}
	want := int(min(int64(len(s.buf)), s.size-off))
	m, err := s.r.ReadAt(s.buf[:want], off)
	if m < n {
		s.blen = 0
		if err == nil || err == io.EOF {
			err = ErrShort
		}
		return nil, err
	}
	s.boff, s.blen = off, m
	return s.buf[:n:n], nil
}

// CopyOut returns a copy of the n bytes at off, however large.
func (s *Source) CopyOut(off int64, n int) ([]byte, error) {
	if !s.fits(int64(n)) {
		if off < 0 || n < 0 || off+int64(n) > s.size {
			return nil, ErrShort
		}
		b := make([]byte, n)
		m, err := s.r.ReadAt(b, off)
		if m < n {
			if err == nil || err == io.EOF {
				err = ErrShort
			}
			return nil, err
		}
		return b, nil
	}
	v, err := s.View(off, n)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), v...), nil
}

// byteAt returns the byte at off when it is already in memory or in the
// window, without reading.
func (s *Source) byteAt(off int64) (byte, bool) {
	if s.data != nil {
		if off < 0 || off >= int64(len(s.data)) {
			return 0, false
		}
		return s.data[off], true
	}
	if i := off - s.boff; i >= 0 && i < int64(s.blen) {
		return s.buf[i], true
	}
	return 0, false
}
