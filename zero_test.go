package layerinfo_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/graph"
)

// TestZeroValues: the library answers zero values, nil readers and
// negative sizes with errors, never a panic.
func TestZeroValues(t *testing.T) {
	noPanic := func(t *testing.T, name string, f func() error) error {
		t.Helper()
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s panicked: %v", name, r)
				}
			}()
			err = f()
		}()
		return err
	}
	for _, c := range []struct {
		name string
		in   layerinfo.Input
		opt  layerinfo.Options
		want string
	}{
		{"zero Input", layerinfo.Input{}, layerinfo.Options{}, "no reader"},
		{"nil reader", layerinfo.Input{Name: "m.onnx", Size: 10}, layerinfo.Options{}, "m.onnx: the input has no reader"},
		{"negative size", layerinfo.Input{Name: "m.onnx", R: bytes.NewReader(nil), Size: -1}, layerinfo.Options{}, "negative"},
		{"size past the data", layerinfo.Input{Name: "m.py", R: bytes.NewReader([]byte("x = 1")), Size: 1 << 20}, layerinfo.Options{}, "m.py"},
		{"negative budget", layerinfo.Bytes("m.py", []byte("x = 1")), layerinfo.Options{MaxMemory: -1}, "negative"},
		{"empty bytes", layerinfo.Bytes("", nil), layerinfo.Options{}, ""},
	} {
		err := noPanic(t, c.name, func() error { _, err := layerinfo.Load(t.Context(), c.in, c.opt); return err })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
	// Every format, asked for by name, on an empty input.
	for _, name := range layerinfo.FormatNames() {
		err := noPanic(t, name, func() error {
			_, err := layerinfo.Load(t.Context(), layerinfo.Bytes("", nil), layerinfo.Options{Format: name})
			return err
		})
		if err == nil {
			t.Errorf("format %s accepted an empty input", name)
		}
	}
	if _, err := layerinfo.Analyze(t.Context(), nil, layerinfo.Options{}); err == nil {
		t.Error("Analyze(nil) gave no error")
	}
	err := noPanic(t, "nil node", func() error {
		_, err := layerinfo.Analyze(t.Context(), &graph.Graph{Nodes: []*graph.Node{nil}}, layerinfo.Options{})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "nil node") {
		t.Errorf("a graph with a nil node: %v", err)
	}
	if _, err := layerinfo.Analyze(t.Context(), &graph.Graph{}, layerinfo.Options{}); err != nil {
		t.Errorf("an empty graph: %v", err)
	}
}
