package pickle

import (
	"errors"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// FuzzRun: any input runs without a panic under a 64 MiB budget, ends
// inside the input, and fails only with a *graph.OffsetError at an
// offset inside the input or a budget error.
func FuzzRun(f *testing.F) {
	for _, s := range []string{
		"\x80\x02}(\x8c\x01aK\x01\x8c\x01b]q\x00h\x00au.",
		"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02ls\x85R.",
		"cm\nC\n)\x81}\x8c\x01aK\x01sb.",
		"(K\x01K\x02K\x03K\x04t\x94h\x00h\x00\x87.",
		"\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\xff.",
		"\x8c\x01kQ.",
		"L12345678901234567890L\nF1.5\n\x86.",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := &Machine{
			Call:           func(g Global, args Tuple) (any, error) { return &Object{Class: g, Args: args}, nil },
			PersistentLoad: func(pid any) (any, error) { return pid, nil },
			Budget:         budget.New(64 << 20),
			Entry:          "data.pkl",
		}
		_, end, err := m.Run(b, 0, 0)
		if err == nil {
			if end < 1 || end > len(b) {
				t.Fatalf("ends at %d of %d bytes", end, len(b))
			}
			return
		}
		if errors.Is(err, budget.ErrExceeded) {
			return
		}
		var oe *graph.OffsetError
		if !errors.As(err, &oe) {
			t.Fatalf("error %v is not a *graph.OffsetError", err)
		}
		if oe.Entry != "data.pkl" || oe.Offset < 0 || oe.Offset > int64(len(b)) {
			t.Fatalf("error %v: not at an offset of the %d-byte pickle", err, len(b))
		}
	})
}
