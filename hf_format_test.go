package layerinfo_test

import (
	"testing"

	"github.com/layerinfo/layerinfo"
)

// TestTransformerConfig loads a transformers config.json through format
// detection and checks the report's total and its transformer section.
func TestTransformerConfig(t *testing.T) {
	in := layerinfo.Bytes("config.json", []byte(`{"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}`))
	g, err := layerinfo.Load(t.Context(), in, layerinfo.Options{HF: layerinfo.HFOptions{Context: 1024, Batch: 2}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := layerinfo.Analyze(t.Context(), g, layerinfo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// GPT-2 small, tied head: 124,439,808 (peers.md §5).
	if r.Totals.Params != 124439808 || r.Transformer == nil || r.Transformer.Class != "GPT2LMHeadModel" || r.Transformer.Batch != 2 {
		t.Fatalf("params %d, section %+v", r.Totals.Params, r.Transformer)
	}
	// With --format hf the name does not matter.
	if _, err := layerinfo.Load(t.Context(), layerinfo.Bytes("model.txt", []byte(`{"model_type": "bert"}`)), layerinfo.Options{Format: "hf"}); err != nil {
		t.Fatal(err)
	}
}
