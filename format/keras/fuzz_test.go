package keras

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

// FuzzDecodeJSON: no input panics the decoder or inference on what it
// built, and every allocation the text sizes is charged to the budget
// (a small one here, so that a huge declared structure is refused).
func FuzzDecodeJSON(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	ref, _ := filepath.Glob(filepath.Join(refDir, "*.json"))
	for _, p := range append(seeds, ref...) {
		if filepath.Ext(filepath.Base(p[:len(p)-5])) == ".expected" {
			continue
		}
		// Small seeds only: the engine minimizes every new input it finds
		// from its seed, and a 50 KB seed takes it minutes.
		if data, err := os.ReadFile(p); err == nil && len(data) <= 8<<10 {
			f.Add(data)
		}
	}
	for _, s := range []string{
		`{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"units": 3, "input_dim": 4}}]}`,
		`{"class_name": "Model", "config": {"layers": [{"class_name": "InputLayer", "name": "i", "config": {"batch_input_shape": [null, 4, 4, 3]}, "inbound_nodes": []}, {"class_name": "Conv2DTranspose", "name": "c", "config": {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "valid"}, "inbound_nodes": [[["i", 0, 0, {}]]]}, {"class_name": "Model", "name": "m", "config": {"layers": [], "input_layers": [], "output_layers": []}, "inbound_nodes": [[["c", 0, 0, {}]]]}], "input_layers": [["i", 0, 0]], "output_layers": [["c", 0, 0]]}}`,
		`{"class_name": "Sequential", "config": {"layers": [{"class_name": "LSTM", "config": {"units": 2, "return_state": true, "batch_input_shape": [null, 3, 2]}}, {"class_name": "TimeDistributed", "config": {"layer": {"class_name": "Dense", "config": {"units": 2}}}}]}}`,
		`{"modelTopology": {"model_config": {"class_name": "Sequential", "config": {"layers": [{"class_name": "MultiHeadAttention", "config": {"num_heads": 2, "key_dim": 4, "batch_input_shape": [null, 5, 8]}}]}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := budget.New(64 << 20)
		g, err := DecodeJSON("f.json", data, b)
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("invalid graph: %v", err)
		}
		if infer.Run(g, infer.Options{KeepGoing: true}) == nil {
			if _, err := stats.Build(g); err != nil {
				t.Logf("stats: %v", err)
			}
		}
	})
}
