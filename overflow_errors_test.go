package layerinfo

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/calc"
)

// TestOverflowIsMatchable: a count past int64 is an error that still
// matches calc.ErrOverflow after inference and Analyze have wrapped it,
// and names the layer at its position.
func TestOverflowIsMatchable(t *testing.T) {
	// 64 inputs times 2^58 units is 2^64 weights, past int64.
	src := "input: {shape: [1, 64]}\nlayers:\n  - {name: big, type: dense, units: 288230376151711744}\n"
	g, err := Load(context.Background(), Bytes("big.yaml", []byte(src)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Analyze(context.Background(), g, Options{})
	if err == nil {
		t.Fatal("a count of 2^64 was accepted")
	}
	if !errors.Is(err, calc.ErrOverflow) {
		t.Errorf("%v does not match calc.ErrOverflow", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "big.yaml:3:") || !strings.Contains(msg, "layer big (dense)") {
		t.Errorf("%q does not name the layer at its line", msg)
	}
}
