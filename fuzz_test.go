package layerinfo_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/render"
)

// fuzzNames are the file names FuzzPipeline gives its input, so that every
// format's sniffing and decoding is reached.
var fuzzNames = []string{"model.py", "model.yaml", "spec.json", "config.json", "model.onnx",
	"model.safetensors", "model.gguf", "model.pt", "nb.ipynb", "model.bin"}

// FuzzPipeline runs the whole pipeline — detection, decoding, graph
// building, inference, the report and every renderer — on any bytes under
// any of the names, with a small memory budget. It must never panic, and
// what one run allocates must stay bounded: a few hundred MiB at most for
// the small inputs a fuzzer makes (an amplification the budget missed shows
// up here).
func FuzzPipeline(f *testing.F) {
	for _, dir := range []string{"examples", "format/torchpt/testdata"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil || len(data) > 16<<10 {
				continue
			}
			for i, n := range fuzzNames {
				if filepath.Ext(n) == filepath.Ext(p) {
					f.Add(byte(i), data)
				}
			}
		}
	}
	f.Add(byte(3), []byte(`{"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 100}`))
	f.Add(byte(4), onnxWithUnknowns())
	f.Add(byte(5), safetensorsFile())
	f.Add(byte(6), ggufFile())
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		name := fuzzNames[int(which)%len(fuzzNames)]
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g, err := layerinfo.Load(t.Context(), layerinfo.Bytes(name, data), layerinfo.Options{MaxMemory: 64 << 20})
		if err != nil && strings.Contains(err.Error(), "(please report)") {
			t.Fatalf("%s: %v", name, err) // a reader's panic or invalid graph, caught by Load
		}
		if g != nil && strings.Contains(strings.Join(g.Notes, "\n"), "(please report)") {
			t.Fatalf("%s: %v", name, g.Notes)
		}
		if err == nil {
			if r, err := layerinfo.Analyze(t.Context(), g, layerinfo.Options{}); err == nil {
				for _, out := range []func(io.Writer) error{
					func(w io.Writer) error { return render.JSON(w, r) },
					func(w io.Writer) error { return render.Table(w, r) },
					func(w io.Writer) error { return render.TableWith(w, r, render.Options{Width: 40}) },
					func(w io.Writer) error { return render.Explain(w, r) },
				} {
					var buf bytes.Buffer
					if err := out(&buf); err != nil {
						t.Fatalf("render: %v", err)
					}
				}
			}
		}
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20+uint64(len(data))*1024 {
			t.Errorf("%s of %d bytes allocated %d MiB", name, len(data), alloc>>20)
		}
	})
}
