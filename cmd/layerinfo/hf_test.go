package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// A two-layer Llama with grouped-query attention and a tied head:
// embeddings 1000*256; per layer q 256*256, k and v 256*64, o 256*256,
// gate/up/down 3*256*688, two norms 2*256; final norm 256; lm_head tied.
const tinyLlama = "testdata/tiny_llama.config.json"

const tinyLlamaParams = 1000*256 + 2*(2*256*256+2*256*64+3*256*688+2*256) + 256

func TestHFGolden(t *testing.T) {
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"tiny_llama.table", []string{tinyLlama}},
		{"tiny_llama.explain", []string{"--explain", "--context", "128", "--batch", "4", tinyLlama}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			code, out, errs := runCLI(c.args, "")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, c.golden, out)
		})
	}
}

func TestHFFlags(t *testing.T) {
	code, out, errs := runCLI([]string{"--json", "--context", "128", "--batch", "4", tinyLlama}, "")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		Totals      struct{ Params int64 }
		Transformer struct {
			Class   string
			Context int64
			Batch   int64
			KVCache struct {
				BytesPerToken int64 `json:"bytes_per_token"`
				Bytes         int64
			} `json:"kv_cache"`
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	// KV cache: 2 layers × 2 (K and V) × 2 kv heads × 32 head_dim × 2 bytes.
	perToken := int64(2 * 2 * 2 * 32 * 2)
	if r.Totals.Params != tinyLlamaParams || r.Transformer.Class != "LlamaForCausalLM" || r.Transformer.Context != 128 || r.Transformer.Batch != 4 ||
		r.Transformer.KVCache.BytesPerToken != perToken || r.Transformer.KVCache.Bytes != perToken*128*4 {
		t.Errorf("report %+v", r)
	}
	// --class: the base model drops the (tied, so parameter-free) head.
	code, out, errs = runCLI([]string{"--class", "LlamaModel", tinyLlama}, "")
	if code != exitOK || strings.Contains(out, "lm_head") || !strings.Contains(out, "LlamaModel (llama)") {
		t.Errorf("--class LlamaModel: exit %d, %s%s", code, out, errs)
	}
	code, _, errs = runCLI([]string{"--class", "LlamaForImages", tinyLlama}, "")
	if code != exitModel || !strings.Contains(errs, "choose one of LlamaForCausalLM") {
		t.Errorf("unknown class: exit %d, %s", code, errs)
	}
	code, _, _ = runCLI([]string{"--context", "-1", tinyLlama}, "")
	if code != exitUsage {
		t.Errorf("negative context: exit %d", code)
	}
}
