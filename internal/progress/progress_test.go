package progress

import (
	"bytes"
	"os"
	"testing"
)

func TestNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	if b := Start(&buf); b != nil {
		t.Error("a bar on a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := Start(f)
	if b != nil {
		t.Error("a bar on a regular file")
	}
	// A nil Bar is usable and draws nothing.
	b.Stage("x")
	b.Update(1, 2)
	b.Stop()
	if buf.Len() != 0 {
		t.Errorf("wrote %q", buf.String())
	}
}
