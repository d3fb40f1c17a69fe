package torchpt

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadRecord: a record is read whole however its reader reports the
// end (with the last bytes or after them), refused when it holds fewer
// or more bytes than declared, and its buffer is not the declared size
// when the compressed record cannot hold that much.
func TestReadRecord(t *testing.T) {
	data := bytes.Repeat([]byte("pickle"), 100_000)
	for _, r := range []io.Reader{bytes.NewReader(data), iotest.DataErrReader(bytes.NewReader(data)), iotest.OneByteReader(bytes.NewReader(data))} {
		got, err := readRecord(r, int64(len(data)), 10)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%T: %d bytes, %v", r, len(got), err)
		}
	}
	if _, err := readRecord(bytes.NewReader(data), int64(len(data))+1, 10); err != io.ErrUnexpectedEOF {
		t.Errorf("short record: %v", err)
	}
	if _, err := readRecord(bytes.NewReader(data), int64(len(data))-1, 10); err == nil || !strings.Contains(err.Error(), "more than its declared size") {
		t.Errorf("long record: %v", err)
	}
	got, _ := readRecord(strings.NewReader("x"), 256<<20, 1)
	if cap(got) > 1<<20 {
		t.Errorf("a 1-byte record declaring 256 MiB got a buffer of %d bytes", cap(got))
	}
}
