package gguf

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/layerinfo/layerinfo/graph"
)

const bufSize = 64 << 10

// reader reads a file sequentially through a window buffer over an
// io.ReaderAt. Skipping past the window does not read the skipped bytes.
type reader struct {
	r     io.ReaderAt
	size  int64
	off   int64 // current offset
	buf   []byte
	bufAt int64 // file offset of buf[0]
	order binary.ByteOrder
	name  string
}

func newReader(r io.ReaderAt, size int64, name string) *reader {
	return &reader{r: r, size: size, name: name, order: binary.LittleEndian, buf: make([]byte, 0, bufSize)}
}

func (rd *reader) errf(off int64, format string, args ...any) error {
	return &graph.OffsetError{File: rd.name, Format: "gguf", Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// readErr is a failed read of what at off: err, or io.ErrUnexpectedEOF
// for a reader that returned too few bytes without saying why.
func (rd *reader) readErr(off int64, what string, err error) error {
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return &graph.OffsetError{File: rd.name, Format: "gguf", Offset: off, Msg: "reading " + what, Err: err}
}

func (rd *reader) remaining() int64 { return rd.size - rd.off }

// next returns the next n bytes (n <= bufSize), valid until the next call.
func (rd *reader) next(n int64, what string) ([]byte, error) {
	if n > rd.remaining() {
		return nil, rd.errf(rd.off, "unexpected end of file reading %s (%d bytes needed, %d left)", what, n, rd.remaining())
	}
	if rd.off < rd.bufAt || rd.off+n > rd.bufAt+int64(len(rd.buf)) {
		m := min(int64(cap(rd.buf)), rd.size-rd.off)
		rd.buf = rd.buf[:m]
		k, err := rd.r.ReadAt(rd.buf, rd.off)
		if int64(k) < n {
			rd.buf = rd.buf[:0]
			return nil, rd.readErr(rd.off, what, err)
		}
		rd.buf, rd.bufAt = rd.buf[:k], rd.off
	}
	i := rd.off - rd.bufAt
	rd.off += n
	return rd.buf[i : i+n], nil
}

func (rd *reader) skip(n int64, what string) error {
	if n < 0 || n > rd.remaining() {
		return rd.errf(rd.off, "unexpected end of file skipping %s (%d bytes, %d left)", what, n, rd.remaining())
	}
	rd.off += n
	return nil
}

func (rd *reader) u8(what string) (uint8, error) {
	b, err := rd.next(1, what)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (rd *reader) u16(what string) (uint16, error) {
	b, err := rd.next(2, what)
	if err != nil {
		return 0, err
	}
	return rd.order.Uint16(b), nil
}

func (rd *reader) u32(what string) (uint32, error) {
	b, err := rd.next(4, what)
	if err != nil {
		return 0, err
	}
	return rd.order.Uint32(b), nil
}

func (rd *reader) u64(what string) (uint64, error) {
	b, err := rd.next(8, what)
	if err != nil {
		return 0, err
	}
	return rd.order.Uint64(b), nil
}

// buffered returns the next n bytes when the window holds them (and
// advances), else nil: what a read of n bytes would return without an
// error or a read of the file.
func (rd *reader) buffered(n int64) []byte {
	if n > rd.remaining() || rd.off < rd.bufAt || rd.off+n > rd.bufAt+int64(len(rd.buf)) {
		return nil
	}
	i := rd.off - rd.bufAt
	rd.off += n
	return rd.buf[i : i+n]
}

// u32Of is u32(what + " of " + name), the description made only when
// the window must be refilled (or the read fails).
func (rd *reader) u32Of(what, name string) (uint32, error) {
	if b := rd.buffered(4); b != nil {
		return rd.order.Uint32(b), nil
	}
	return rd.u32(what + " of " + name)
}

// u64Of is u64(what + " of " + name), as u32Of.
func (rd *reader) u64Of(what, name string) (uint64, error) {
	if b := rd.buffered(8); b != nil {
		return rd.order.Uint64(b), nil
	}
	return rd.u64(what + " of " + name)
}

// str reads a GGUF string (uint64 length, bytes) of at most max bytes.
func (rd *reader) str(max int64, what string) (string, error) {
	at := rd.off
	var n uint64
	if b := rd.buffered(8); b != nil {
		n = rd.order.Uint64(b)
	} else {
		var err error
		if n, err = rd.u64(what + " length"); err != nil {
			return "", err
		}
	}
	if n > uint64(max) {
		return "", rd.errf(at, "%s length %d exceeds limit %d", what, n, max)
	}
	if int64(n) > rd.remaining() {
		return "", rd.errf(at, "%s length %d exceeds the %d bytes left in the file", what, n, rd.remaining())
	}
	if n <= bufSize {
		b, err := rd.next(int64(n), what)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	b := make([]byte, n)
	k, err := rd.r.ReadAt(b, rd.off)
	if k < len(b) {
		return "", rd.readErr(rd.off, what, err)
	}
	rd.off += int64(n)
	return string(b), nil
}

// skipStr skips a GGUF string.
func (rd *reader) skipStr(what string) error {
	at := rd.off
	n, err := rd.u64("string length")
	if err != nil {
		return err
	}
	if n > uint64(rd.remaining()) {
		return rd.errf(at, "%s length %d exceeds the %d bytes left in the file", what, n, rd.remaining())
	}
	rd.off += int64(n)
	return nil
}
